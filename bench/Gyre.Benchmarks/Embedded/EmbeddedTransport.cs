using Gyre.Core;
using Gyre.Core.Errors;
using Gyre.Protocol;

namespace Gyre.Benchmarks.Embedded;

/// <summary>
/// A socket-free <see cref="ITransport"/>: a write counts the frame's bytes and messages, signals the
/// <see cref="DeliveryCountdown"/> and completes synchronously. What a benchmark measures through it is the
/// engine (hub, queue, writer loop, coalescing), not the kernel or Kestrel.
/// </summary>
/// <remarks>
/// Each transport is written by exactly one writer loop (the <see cref="ITransport.WriteAsync"/> contract),
/// so its counters need no interlocking; readers on other threads see them through volatile reads.
/// </remarks>
internal sealed class EmbeddedTransport : ITransport
{
    private readonly DeliveryCountdown _countdown;
    private long _bytes;
    private long _messages;
    private long _frames;
    private Disconnect? _closedWith;

    public EmbeddedTransport(ProtocolType protocol, DeliveryCountdown countdown)
    {
        Protocol = protocol;
        _countdown = countdown;
    }

    public string Name => "embedded";

    public ProtocolType Protocol { get; }

    /// <summary>Bytes written since the connection started.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>Protocol messages written (a coalesced frame holds several).</summary>
    public long Messages => Volatile.Read(ref _messages);

    /// <summary>Calls to <see cref="WriteAsync"/>.</summary>
    public long Frames => Volatile.Read(ref _frames);

    /// <summary>The disconnect the client closed with; null while the connection is open.</summary>
    public Disconnect? ClosedWith => Volatile.Read(ref _closedWith);

    public ValueTask WriteAsync(ReadOnlyMemory<byte> frame)
    {
        var messages = CountMessages(frame.Span);
        Volatile.Write(ref _bytes, _bytes + frame.Length);
        Volatile.Write(ref _messages, _messages + messages);
        Volatile.Write(ref _frames, _frames + 1);
        _countdown.Signal(messages);
        return default;
    }

    public ValueTask CloseAsync(Disconnect disconnect)
    {
        Volatile.Write(ref _closedWith, disconnect);
        return default;
    }

    /// <summary>
    /// Messages in one frame: JSON joins them with <c>\n</c>; Protobuf concatenates varint-length-prefixed
    /// messages. Counting costs a vectorised scan (JSON) or one or two varint steps per message (Protobuf),
    /// a few nanoseconds next to the delivery it accounts for.
    /// </summary>
    private int CountMessages(ReadOnlySpan<byte> frame)
    {
        if (Protocol == ProtocolType.Json)
        {
            return frame.Count((byte)'\n') + 1;
        }

        var count = 0;
        while (!frame.IsEmpty)
        {
            ulong length = 0;
            var shift = 0;
            var i = 0;
            byte b;
            do
            {
                b = frame[i++];
                length |= (ulong)(b & 0x7F) << shift;
                shift += 7;
            }
            while (b >= 0x80);

            frame = frame[(i + (int)length)..];
            count++;
        }

        return count;
    }
}
