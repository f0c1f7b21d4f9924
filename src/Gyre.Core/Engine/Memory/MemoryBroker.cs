using Gyre.Protocol.Messages;

namespace Gyre.Core.Engine.Memory;

/// <summary>
/// The single-node broker: publications go straight to this node's handler, history lives in process memory.
/// </summary>
/// <remarks>
/// History append and delivery happen under one of <see cref="LockCount"/> striped locks, so subscribers see a
/// channel's offsets in order even with concurrent publishers; delivery only enqueues, so the lock is held
/// for microseconds. Publications without history skip the lock entirely. Memory is bounded per channel by
/// the history size and TTL, and idle streams are dropped after their meta TTL.
/// </remarks>
public sealed class MemoryBroker : IBroker
{
    /// <summary>128 stripes: contention between unrelated channels stays below 1% at 2 cores.</summary>
    private const int LockCount = 128;

    private readonly Lock[] _locks = [.. Enumerable.Range(0, LockCount).Select(_ => new Lock())];
    private readonly Dictionary<string, MemoryHistoryStream>[] _streams = [.. Enumerable.Range(0, LockCount).Select(_ => new Dictionary<string, MemoryHistoryStream>(StringComparer.Ordinal))];
    private readonly Dictionary<(string Channel, string Key), (PublishResult Result, DateTimeOffset Expires)>[] _idempotency =
        [.. Enumerable.Range(0, LockCount).Select(_ => new Dictionary<(string, string), (PublishResult, DateTimeOffset)>())];

    private readonly TimeProvider _time;
    private IBrokerEventHandler? _handler;

    /// <summary>Creates the broker.</summary>
    /// <param name="time">Clock for TTLs; the system clock by default.</param>
    public MemoryBroker(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <inheritdoc/>
    public ValueTask StartAsync(IBrokerEventHandler handler, CancellationToken cancellationToken)
    {
        _handler = handler;
        return default;
    }

    /// <inheritdoc/>
    public ValueTask SubscribeAsync(string channel, CancellationToken cancellationToken) => default;

    /// <inheritdoc/>
    public ValueTask UnsubscribeAsync(string channel, CancellationToken cancellationToken) => default;

    /// <inheritdoc/>
    public ValueTask<PublishResult> PublishAsync(string channel, Publication publication, PublishOptions options, CancellationToken cancellationToken)
    {
        var handler = _handler ?? throw new InvalidOperationException("broker not started");
        if (!options.UseHistory && options.IdempotencyKey is null)
        {
            handler.HandlePublication(channel, publication, StreamPosition.None);
            return new(new PublishResult(StreamPosition.None, Suppressed: false));
        }

        var stripe = Stripe(channel);
        var now = _time.GetUtcNow();
        lock (_locks[stripe])
        {
            if (options.IdempotencyKey is { } key && _idempotency[stripe].TryGetValue((channel, key), out var seen))
            {
                if (seen.Expires > now)
                {
                    return new(seen.Result with { Suppressed = true });
                }

                _idempotency[stripe].Remove((channel, key));
            }

            var position = StreamPosition.None;
            if (options.UseHistory)
            {
                var stream = GetOrCreateStream(stripe, channel, now, options.HistoryMetaTtl);
                if (stream.IsStale(options.Version, options.VersionEpoch))
                {
                    return new(new PublishResult(stream.Top, Suppressed: true));
                }

                position = stream.Append(publication, now, options.HistorySize, options.HistoryTtl, options.HistoryMetaTtl);
                stream.NoteVersion(options.Version, options.VersionEpoch);
            }

            if (options.IdempotencyKey is { } newKey)
            {
                SweepIdempotency(stripe, now);
                _idempotency[stripe][(channel, newKey)] = (new PublishResult(position, false), now + options.IdempotentResultTtl);
            }

            handler.HandlePublication(channel, publication, position);
            return new(new PublishResult(position, Suppressed: false));
        }
    }

    /// <inheritdoc/>
    public ValueTask PublishJoinAsync(string channel, ClientInfo info, CancellationToken cancellationToken)
    {
        _handler?.HandleJoin(channel, info);
        return default;
    }

    /// <inheritdoc/>
    public ValueTask PublishLeaveAsync(string channel, ClientInfo info, CancellationToken cancellationToken)
    {
        _handler?.HandleLeave(channel, info);
        return default;
    }

    /// <inheritdoc/>
    public ValueTask PublishControlAsync(ReadOnlyMemory<byte> data, string? targetNode, CancellationToken cancellationToken)
    {
        _handler?.HandleControl(data);
        return default;
    }

    /// <inheritdoc/>
    public ValueTask<HistoryResult> HistoryAsync(string channel, HistoryOptions options, CancellationToken cancellationToken)
    {
        var stripe = Stripe(channel);
        var now = _time.GetUtcNow();
        lock (_locks[stripe])
        {
            var stream = GetOrCreateStream(stripe, channel, now, options.MetaTtl);
            return new(stream.Read(options, now));
        }
    }

    /// <inheritdoc/>
    public ValueTask RemoveHistoryAsync(string channel, CancellationToken cancellationToken)
    {
        var stripe = Stripe(channel);
        lock (_locks[stripe])
        {
            if (_streams[stripe].TryGetValue(channel, out var stream))
            {
                stream.Clear();
            }
        }

        return default;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => default;

    private static int Stripe(string channel) => (int)((uint)StringComparer.Ordinal.GetHashCode(channel) % LockCount);

    private MemoryHistoryStream GetOrCreateStream(int stripe, string channel, DateTimeOffset now, TimeSpan metaTtl)
    {
        var streams = _streams[stripe];
        if (streams.TryGetValue(channel, out var stream) && !stream.MetaExpired(now))
        {
            return stream;
        }

        // A missing or expired stream starts a new epoch: every older position becomes unrecoverable.
        stream = new MemoryHistoryStream(now, metaTtl);
        streams[channel] = stream;
        return stream;
    }

    private void SweepIdempotency(int stripe, DateTimeOffset now)
    {
        var map = _idempotency[stripe];
        if (map.Count < 1024)
        {
            return;
        }

        foreach (var (k, v) in map)
        {
            if (v.Expires <= now)
            {
                map.Remove(k);
            }
        }
    }
}
