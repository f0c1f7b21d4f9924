using Gyre.Protocol.Messages;

namespace Gyre.Core.Engine.Memory;

/// <summary>Presence of a single node, in memory. Entries not refreshed within the TTL are dropped on read.</summary>
public sealed class MemoryPresenceManager : IPresenceManager
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Dictionary<string, (ClientInfo Info, DateTimeOffset Expires)>> _channels = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _ttl;

    /// <summary>Creates the manager.</summary>
    /// <param name="ttl">Entry lifetime without refresh; Centrifugo's Redis default is 60 s, over twice the 27 s update interval.</param>
    /// <param name="time">Clock; the system clock by default.</param>
    public MemoryPresenceManager(TimeSpan? ttl = null, TimeProvider? time = null)
    {
        _ttl = ttl ?? TimeSpan.FromSeconds(60);
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public ValueTask AddPresenceAsync(string channel, string clientId, ClientInfo info, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_channels.TryGetValue(channel, out var entries))
            {
                entries = new Dictionary<string, (ClientInfo, DateTimeOffset)>(StringComparer.Ordinal);
                _channels[channel] = entries;
            }

            entries[clientId] = (info, _time.GetUtcNow() + _ttl);
        }

        return default;
    }

    /// <inheritdoc/>
    public ValueTask RemovePresenceAsync(string channel, string clientId, string userId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_channels.TryGetValue(channel, out var entries) && entries.Remove(clientId) && entries.Count == 0)
            {
                _channels.Remove(channel);
            }
        }

        return default;
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyDictionary<string, ClientInfo>> PresenceAsync(string channel, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return new(Live(channel).ToDictionary(e => e.Key, e => e.Value.Info, StringComparer.Ordinal));
        }
    }

    /// <inheritdoc/>
    public ValueTask<PresenceStats> PresenceStatsAsync(string channel, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var live = Live(channel);
            return new(new PresenceStats(live.Count, live.Values.Select(v => v.Info.User).Distinct(StringComparer.Ordinal).Count()));
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => default;

    private Dictionary<string, (ClientInfo Info, DateTimeOffset Expires)> Live(string channel)
    {
        if (!_channels.TryGetValue(channel, out var entries))
        {
            return [];
        }

        var now = _time.GetUtcNow();
        foreach (var (id, entry) in entries)
        {
            if (entry.Expires <= now)
            {
                entries.Remove(id);
            }
        }

        return entries;
    }
}
