using System.Collections.Concurrent;

namespace Gyre.AspNetCore;

/// <summary>A transport whose writes have a deadline that <see cref="WriteDeadlines"/> enforces.</summary>
internal interface IWriteDeadline
{
    /// <summary>Aborts the connection when the write in progress started more than its timeout before <paramref name="now"/>.</summary>
    /// <param name="now"><see cref="Environment.TickCount64"/> at the sweep.</param>
    void Sweep(long now);
}

/// <summary>
/// One transport's write in progress and whether the sweep timed it out: the bookkeeping both transports share.
/// A mutable struct kept as a field, so it costs the transport 16 bytes and no object.
/// </summary>
internal struct WriteClock
{
    /// <summary><see cref="Environment.TickCount64"/> when the write in progress started; 0 when none is.</summary>
    private long _startedAt;
    private volatile bool _timedOut;

    /// <summary>The sweep ended a write that outlasted its timeout; the transport turns its failure into a <see cref="TimeoutException"/>.</summary>
    public readonly bool TimedOut => _timedOut;

    public void Begin() => Volatile.Write(ref _startedAt, Environment.TickCount64);

    public void End() => Volatile.Write(ref _startedAt, 0);

    /// <summary>True once, when the write in progress started at least <paramref name="timeoutMs"/> before <paramref name="now"/>: the caller aborts.</summary>
    public bool Expire(long now, long timeoutMs)
    {
        var started = Volatile.Read(ref _startedAt);
        if (started == 0 || now - started < timeoutMs || _timedOut)
        {
            return false;
        }

        _timedOut = true;
        return true;
    }
}

/// <summary>
/// Write timeouts for every connection of the process from one sweep, instead of a timer armed and disarmed
/// around every write.
/// </summary>
/// <remarks>
/// <para>
/// A <see cref="CancellationTokenSource"/> armed per write (<c>CancelAfter</c>, then <c>TryReset</c>) costs two
/// timer-queue updates under the queue's lock per delivery: 2,000 per publication to a 1,000-subscriber channel, all
/// contending with each other. Here a write stores its start time (one volatile write before, one after) and a
/// sweep every 250 ms aborts the connections whose write is older than their timeout, so a stalled write ends
/// between the timeout and the timeout + 250 ms (Centrifugo's default <c>write_timeout</c> is 1 s).
/// </para>
/// <para>
/// Only writes that did not complete at once are watched (<see cref="WatchIfPending(IWriteDeadline, ValueTask)"/>): a write into Kestrel's
/// output pipe completes synchronously until 64 KB wait for the peer, so a stalled peer is always a pending write,
/// and the sweep skips the idle and the healthy connections. Sweeping every connection had been ~8% of the CPU of
/// 10,000 idle ones.
/// </para>
/// </remarks>
internal sealed class WriteDeadlines
{
    /// <summary>How often the sweep runs, and so how late past its timeout a stalled write may end.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<IWriteDeadline, byte> _watched = new();
    private readonly Timer _timer;

    private WriteDeadlines() =>
        _timer = new Timer(static state => ((WriteDeadlines)state!).Sweep(), this, SweepInterval, SweepInterval);

    /// <summary>The process-wide sweep.</summary>
    public static WriteDeadlines Shared { get; } = new();

    /// <summary>Connections with a write pending now.</summary>
    public int Count => _watched.Count;

    /// <summary>
    /// <paramref name="write"/> itself when it completed at once (no bookkeeping); otherwise a task that watches
    /// <paramref name="transport"/> until the write completes.
    /// </summary>
    public ValueTask WatchIfPending(IWriteDeadline transport, ValueTask write) =>
        write.IsCompleted ? write : WatchWhilePendingAsync(transport, write);

    /// <inheritdoc cref="WatchIfPending(IWriteDeadline, ValueTask)"/>
    public ValueTask<T> WatchIfPending<T>(IWriteDeadline transport, ValueTask<T> write) =>
        write.IsCompleted ? write : WatchWhilePendingAsync(transport, write);

    private async ValueTask WatchWhilePendingAsync(IWriteDeadline transport, ValueTask pending)
    {
        _watched.TryAdd(transport, 0);
        try
        {
            await pending.ConfigureAwait(false);
        }
        finally
        {
            _watched.TryRemove(transport, out _);
        }
    }

    private async ValueTask<T> WatchWhilePendingAsync<T>(IWriteDeadline transport, ValueTask<T> pending)
    {
        _watched.TryAdd(transport, 0);
        try
        {
            return await pending.ConfigureAwait(false);
        }
        finally
        {
            _watched.TryRemove(transport, out _);
        }
    }

    private void Sweep()
    {
        var now = Environment.TickCount64;
        foreach (var (transport, _) in _watched)
        {
            transport.Sweep(now);
        }
    }
}
