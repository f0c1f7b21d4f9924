namespace Gyre.Core.Internal;

/// <summary>Something with one pending deadline at a time, run by a <see cref="DeadlineScheduler"/>.</summary>
internal interface IDeadlineOwner
{
    /// <summary>The deadline the owner waits for now (unix ms of the scheduler's clock), 0 when none. Entries for any other time are stale.</summary>
    long DueAt { get; }

    /// <summary>The deadline has passed. Runs on the scheduler's thread, one owner after another: must not block.</summary>
    void OnDue();
}

/// <summary>
/// One timer for the deadlines of every connection of a node (pings, pong, stale, expiry, presence), instead of an
/// <see cref="ITimer"/> per connection.
/// </summary>
/// <remarks>
/// <para>
/// With a timer each, 19,000 idle connections meant ~800 separate timer callbacks a second, each its own thread-pool
/// work item, each waking a worker that then spun in <c>sched_yield</c> looking for more work: on one core a third of
/// Gyre's idle CPU was that spinning and the timer queue scan (<c>TimerQueue.FireNextTimers</c>, 7%). Here one timer
/// is armed for the earliest deadline, and a run handles every owner due by then in a row.
/// </para>
/// <para>
/// Runs are at least <see cref="MinimumGap"/> apart, so under load deadlines batch (each may fire up to 100 ms late,
/// against Centrifugo's 25 s ping interval); a lone deadline still fires on time. Rescheduling never searches the heap:
/// the owner's new deadline is pushed and the old entry goes stale (its time no longer equals <see cref="IDeadlineOwner.DueAt"/>),
/// to be dropped when it comes up, or by a rebuild once stale entries outnumber live ones, so a closed connection is
/// not kept reachable for the hours a token may still have left.
/// </para>
/// </remarks>
internal sealed class DeadlineScheduler : IDisposable
{
    /// <summary>Least time between two runs: batches the deadlines that fall close together.</summary>
    public static readonly TimeSpan MinimumGap = TimeSpan.FromMilliseconds(100);

    /// <summary>Stale entries tolerated beyond the live count before the heap is rebuilt without them.</summary>
    private const int StaleSlack = 1024;

    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly Lock _lock = new();
    private readonly PriorityQueue<IDeadlineOwner, long> _queue = new();
    private readonly long _minimumGapMs = (long)MinimumGap.TotalMilliseconds;
    private long _armedFor = long.MaxValue;
    private long _lastRun = long.MinValue / 2;
    private int _stale;
    private bool _disposed;

    public DeadlineScheduler(TimeProvider time)
    {
        _time = time;
        _timer = time.CreateTimer(static state => ((DeadlineScheduler)state!).Run(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Entries in the heap, live and stale.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Unix milliseconds on the scheduler's clock, the unit of every deadline.</summary>
    public long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Adds <paramref name="owner"/>'s deadline <paramref name="dueAt"/>, which it has already stored as its
    /// <see cref="IDeadlineOwner.DueAt"/>. <paramref name="replaced"/> says whether an earlier pending deadline of the
    /// owner's is now stale.
    /// </summary>
    public void Schedule(IDeadlineOwner owner, long dueAt, bool replaced)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            if (replaced)
            {
                _stale++;
            }

            _queue.Enqueue(owner, dueAt);
            if (dueAt < _armedFor)
            {
                ArmLocked(dueAt);
            }

            if (_stale > (_queue.Count / 2) + StaleSlack)
            {
                RebuildLocked();
            }
        }
    }

    /// <summary>The owner's pending deadline will not be waited for any more (it closed).</summary>
    public void Abandon()
    {
        lock (_lock)
        {
            _stale++;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _queue.Clear();
        }

        _timer.Dispose();
    }

    private void Run()
    {
        List<IDeadlineOwner>? due = null;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            // The gap counts from when this run was due, not from when a busy thread pool got to it: a late run
            // must not push the next lone deadline later still.
            var now = Now();
            _lastRun = Math.Min(now, _armedFor);
            _armedFor = long.MaxValue;
            while (_queue.TryPeek(out var owner, out var at) && at <= now)
            {
                _queue.Dequeue();
                if (owner.DueAt == at)
                {
                    (due ??= []).Add(owner);
                }
                else
                {
                    _stale = Math.Max(0, _stale - 1);
                }
            }

            if (_queue.TryPeek(out _, out var next))
            {
                ArmLocked(next);
            }
        }

        if (due is null)
        {
            return;
        }

        // One owner's failure must not strand the others, whose entries are already taken: run them all, then
        // rethrow the first failure as a timer callback would have.
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
        foreach (var owner in due)
        {
            try
            {
                owner.OnDue();
            }
            catch (Exception e)
            {
                failure ??= System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
            }
        }

        failure?.Throw();
    }

    private void ArmLocked(long dueAt)
    {
        var at = Math.Max(dueAt, _lastRun + _minimumGapMs);
        _armedFor = at;
        _timer.Change(TimeSpan.FromMilliseconds(Math.Max(0, at - Now())), Timeout.InfiniteTimeSpan);
    }

    private void RebuildLocked()
    {
        var live = new List<(IDeadlineOwner, long)>(_queue.Count - _stale);
        foreach (var (owner, at) in _queue.UnorderedItems)
        {
            if (owner.DueAt == at)
            {
                live.Add((owner, at));
            }
        }

        _queue.Clear();
        _queue.EnqueueRange(live);
        _stale = 0;
    }
}
