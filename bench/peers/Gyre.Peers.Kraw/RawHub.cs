namespace Gyre.Peers.Kraw;

/// <summary>Channel → subscribers as copy-on-write arrays: a broadcast takes the array and enqueues one shared frame.</summary>
internal sealed class RawHub
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, RawConnection[]> _channels = new(StringComparer.Ordinal);
    private readonly HashSet<RawConnection> _all = [];

    public void Subscribe(string channel, RawConnection connection)
    {
        lock (_lock)
        {
            _channels[channel] = _channels.TryGetValue(channel, out var current) ? [.. current, connection] : [connection];
            _all.Add(connection);
        }
    }

    public void Remove(RawConnection connection)
    {
        lock (_lock)
        {
            _all.Remove(connection);
            foreach (var channel in connection.Channels)
            {
                if (_channels.TryGetValue(channel, out var current))
                {
                    var next = current.Where(c => c != connection).ToArray();
                    if (next.Length == 0)
                    {
                        _channels.Remove(channel);
                    }
                    else
                    {
                        _channels[channel] = next;
                    }
                }
            }
        }
    }

    public void Broadcast(string channel, byte[] frame)
    {
        RawConnection[]? subscribers;
        lock (_lock)
        {
            _channels.TryGetValue(channel, out subscribers);
        }

        if (subscribers is null)
        {
            return;
        }

        foreach (var connection in subscribers)
        {
            connection.Enqueue(frame);
        }
    }

    public void PingAll()
    {
        RawConnection[] all;
        lock (_lock)
        {
            all = [.. _all];
        }

        foreach (var connection in all)
        {
            connection.Enqueue(Frames.Ping);
        }
    }
}
