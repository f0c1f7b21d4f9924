namespace Gyre.Benchmarks.Embedded;

/// <summary>
/// Counts messages down to zero across every <see cref="EmbeddedTransport"/> of a benchmark, so an operation
/// ends exactly when the last subscriber's writer loop has handed its frame to the transport: no sleeps, no
/// polling of queues.
/// </summary>
/// <remarks>
/// The writer loops run on pool threads and signal concurrently; the benchmark thread blocks in
/// <see cref="Wait"/>. <see cref="ManualResetEventSlim"/> spins briefly before it blocks, which keeps the
/// hand-off cheap for one subscriber and allocates nothing after its first blocking wait.
/// </remarks>
internal sealed class DeliveryCountdown : IDisposable
{
    private readonly ManualResetEventSlim _done = new(initialState: false);
    private long _remaining;
    private long _overshoot;

    /// <summary>
    /// Messages that arrived while nothing was expected (a ping, a stray reply). Non-zero means the
    /// benchmark's accounting is off and its numbers should not be trusted.
    /// </summary>
    public long Overshoot => Volatile.Read(ref _overshoot);

    /// <summary>Messages still expected by the current operation.</summary>
    public long Remaining => Volatile.Read(ref _remaining);

    /// <summary>Arms the countdown for <paramref name="messages"/> deliveries. Call before the work that causes them.</summary>
    public void Reset(long messages)
    {
        _done.Reset();
        Volatile.Write(ref _remaining, messages);
        if (messages == 0)
        {
            _done.Set();
        }
    }

    /// <summary>Called by a transport for every frame it receives.</summary>
    public void Signal(int messages)
    {
        var left = Interlocked.Add(ref _remaining, -messages);
        if (left == 0)
        {
            _done.Set();
        }
        else if (left < 0)
        {
            Interlocked.Add(ref _overshoot, Math.Min(-left, messages));
        }
    }

    /// <summary>Blocks until every expected message arrived; throws instead of hanging a benchmark run.</summary>
    public void Wait(TimeSpan timeout)
    {
        if (!_done.Wait(timeout))
        {
            throw new TimeoutException($"{Remaining} expected messages did not arrive within {timeout}.");
        }
    }

    public void Dispose() => _done.Dispose();
}
