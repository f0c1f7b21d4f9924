using System.Buffers;
using Gyre.Core.Errors;
using Gyre.Protocol;

namespace Gyre.Core;

/// <summary>
/// A connection's bounded outbound queue and its single writer loop. Broadcasts and replies only enqueue;
/// the loop coalesces whatever is queued, up to 64 KB (and <see cref="ClientOptions.MaxMessagesInFrame"/> messages
/// when set), into one transport frame.
/// </summary>
/// <remarks>
/// The queue is bounded in bytes (<see cref="ClientOptions.QueueMaxSize"/>); an enqueue past the bound fails
/// and the owner disconnects with <see cref="Disconnect.Slow"/>, so one stalled reader costs at most 1 MiB.
/// Steady state allocates nothing: queued items are shared <see cref="ReadOnlyMemory{T}"/> slices, the
/// queue (<see cref="Internal.OutboundQueue"/>) reuses its ring and its waiter, and coalesced frames are assembled in pooled arrays. A single
/// queued message is written as is, without a copy.
/// </remarks>
internal sealed class ClientWriter
{
    /// <summary>First rent for a coalesced frame; 16 typical 200-byte pushes fit without growing.</summary>
    private const int InitialFrameSize = 4096;

    /// <summary>
    /// Coalescing stops before a frame would pass 64 KB (a single larger message is still written whole): the
    /// size of Kestrel's output pipe pause threshold, so one frame is one flush, and ~500 pushes of 100 B.
    /// </summary>
    internal const int MaxCoalescedFrameBytes = 64 * 1024;

    private readonly Internal.OutboundQueue _queue = new();

    private readonly ITransport _transport;
    private readonly ReadOnlyMemory<byte> _separator;
    private readonly long _maxQueueBytes;
    private readonly int _maxMessagesInFrame;
    private readonly Action<Exception> _onWriteFailed;
    private long _queuedBytes;
    private Disconnect? _closeWith;
    private bool _flushOnClose;

    public ClientWriter(ITransport transport, ProtocolCodec codec, ClientOptions options, Action<Exception> onWriteFailed)
    {
        _transport = transport;
        _separator = codec.FrameSeparator;
        _maxQueueBytes = options.QueueMaxSize;
        _maxMessagesInFrame = options.MaxMessagesInFrame > 0 ? options.MaxMessagesInFrame : int.MaxValue;
        _onWriteFailed = onWriteFailed;
    }

    /// <summary>Completes when the loop has written its last frame and closed the transport.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Bytes waiting to be written.</summary>
    public long QueuedBytes => Volatile.Read(ref _queuedBytes);

    public void Start() => Completion = RunAsync();

    /// <summary>Queues one encoded message. False when it would overflow the queue bound (the caller disconnects with 3008).</summary>
    public bool TryEnqueue(ReadOnlyMemory<byte> message)
    {
        if (Interlocked.Add(ref _queuedBytes, message.Length) > _maxQueueBytes)
        {
            Interlocked.Add(ref _queuedBytes, -message.Length);
            return false;
        }

        if (!_queue.TryWrite(message))
        {
            // Closed: the connection is going away and the message is dropped with it.
            Interlocked.Add(ref _queuedBytes, -message.Length);
        }

        return true;
    }

    /// <summary>
    /// Stops accepting messages and ends the loop with <paramref name="disconnect"/>. With <paramref name="flush"/>
    /// what is already queued is written first (a server-initiated disconnect); without it (slow client, write
    /// failure) it is dropped. Only the first call counts.
    /// </summary>
    public void Close(Disconnect disconnect, bool flush)
    {
        if (Interlocked.CompareExchange(ref _closeWith, disconnect, null) is not null)
        {
            return;
        }

        Volatile.Write(ref _flushOnClose, flush);
        _queue.Complete();
    }

    private async Task RunAsync()
    {
        var reader = _queue;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                if (Volatile.Read(ref _closeWith) is not null && !Volatile.Read(ref _flushOnClose))
                {
                    break;
                }

                if (!reader.TryRead(out var first))
                {
                    continue;
                }

                if (_maxMessagesInFrame == 1 || !reader.HasMessages)
                {
                    await _transport.WriteAsync(first).ConfigureAwait(false);
                    Interlocked.Add(ref _queuedBytes, -first.Length);
                    continue;
                }

                var frame = ArrayPool<byte>.Shared.Rent(Math.Max(InitialFrameSize, first.Length * 2));
                var length = 0;
                long dequeued = 0;
                try
                {
                    Append(ref frame, ref length, first.Span);
                    dequeued += first.Length;
                    for (var count = 1;
                         count < _maxMessagesInFrame && reader.TryRead(MaxCoalescedFrameBytes - length - _separator.Length, out var next);
                         count++)
                    {
                        Append(ref frame, ref length, _separator.Span);
                        Append(ref frame, ref length, next.Span);
                        dequeued += next.Length;
                    }

                    await _transport.WriteAsync(frame.AsMemory(0, length)).ConfigureAwait(false);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(frame);
                    Interlocked.Add(ref _queuedBytes, -dequeued);
                }
            }
        }
        catch (Exception e)
        {
            _onWriteFailed(e);
            Close(Disconnect.WriteError, flush: false);
        }

        try
        {
            await _transport.CloseAsync(Volatile.Read(ref _closeWith) ?? Disconnect.ConnectionClosed).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _onWriteFailed(e);
        }
    }

    private static void Append(ref byte[] frame, ref int length, ReadOnlySpan<byte> bytes)
    {
        if (length + bytes.Length > frame.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(frame.Length * 2, length + bytes.Length));
            frame.AsSpan(0, length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(frame);
            frame = bigger;
        }

        bytes.CopyTo(frame.AsSpan(length));
        length += bytes.Length;
    }
}
