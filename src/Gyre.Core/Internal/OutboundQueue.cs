using System.Threading.Tasks.Sources;

namespace Gyre.Core.Internal;

/// <summary>
/// A connection's outbound messages: many writers, one reader that waits without allocating. It stands in for an
/// unbounded <c>Channel&lt;ReadOnlyMemory&lt;byte&gt;&gt;</c>, whose first 32-slot queue segment and waiter objects
/// cost ~1 KB per connection even when idle; this one holds an empty array until the first message and a ring of
/// 4 slots (64 B) after it, and drops back to empty after a burst of more than 64.
/// </summary>
/// <remarks>
/// One lock guards the ring; a wait is a reusable <see cref="IValueTaskSource{TResult}"/> whose continuation runs on
/// the thread pool, never inline on the broadcasting thread that enqueues.
/// </remarks>
internal sealed class OutboundQueue : IValueTaskSource<bool>
{
    /// <summary>Above this many slots an emptied ring is released rather than kept for the next burst.</summary>
    private const int RetainedCapacity = 64;

    private readonly Lock _lock = new();
    private ManualResetValueTaskSourceCore<bool> _wake = new() { RunContinuationsAsynchronously = true };
    private ReadOnlyMemory<byte>[] _ring = [];
    private int _head;
    private int _count;
    private bool _completed;
    private bool _waiting;

    /// <summary>Adds a message; false once the queue is completed.</summary>
    public bool TryWrite(ReadOnlyMemory<byte> message)
    {
        bool wake;
        lock (_lock)
        {
            if (_completed)
            {
                return false;
            }

            if (_count == _ring.Length)
            {
                Grow();
            }

            _ring[(_head + _count) % _ring.Length] = message;
            _count++;
            wake = _waiting;
            _waiting = false;
        }

        if (wake)
        {
            _wake.SetResult(true);
        }

        return true;
    }

    /// <summary>No more writes; the reader drains what is queued, then <see cref="WaitToReadAsync"/> returns false.</summary>
    public void Complete()
    {
        bool wake;
        lock (_lock)
        {
            _completed = true;
            wake = _waiting;
            _waiting = false;
        }

        if (wake)
        {
            _wake.SetResult(true);
        }
    }

    /// <summary>True when a message is queued (at once if one already is); false when completed and drained. One reader only.</summary>
    public ValueTask<bool> WaitToReadAsync()
    {
        lock (_lock)
        {
            if (_count > 0)
            {
                return new ValueTask<bool>(true);
            }

            if (_completed)
            {
                return new ValueTask<bool>(false);
            }

            _wake.Reset();
            _waiting = true;
            return new ValueTask<bool>(this, _wake.Version);
        }
    }

    public bool TryRead(out ReadOnlyMemory<byte> message) => TryRead(int.MaxValue, out message);

    /// <summary>Takes the next message only when it is at most <paramref name="maxLength"/> bytes long.</summary>
    public bool TryRead(int maxLength, out ReadOnlyMemory<byte> message)
    {
        lock (_lock)
        {
            if (_count == 0 || _ring[_head].Length > maxLength)
            {
                message = default;
                return false;
            }

            message = _ring[_head];
            _ring[_head] = default;
            _head = (_head + 1) % _ring.Length;
            if (--_count == 0)
            {
                _head = 0;
                if (_ring.Length > RetainedCapacity)
                {
                    _ring = [];
                }
            }

            return true;
        }
    }

    public bool HasMessages
    {
        get
        {
            lock (_lock)
            {
                return _count > 0;
            }
        }
    }

    private void Grow()
    {
        var next = new ReadOnlyMemory<byte>[Math.Max(4, _ring.Length * 2)];
        for (var i = 0; i < _count; i++)
        {
            next[i] = _ring[(_head + i) % _ring.Length];
        }

        _ring = next;
        _head = 0;
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _wake.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _wake.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _wake.OnCompleted(continuation, state, token, flags);
}
