using System.Buffers;
using System.Threading.Channels;

namespace Gyre.Peers.Kraw;

/// <summary>
/// One upgraded connection: a receive loop that waits with zero-byte reads and rents a buffer only when data
/// arrives, and one writer loop that drains every queued frame into a single write.
/// </summary>
internal sealed class RawConnection(Stream stream, RawHub hub)
{
    private const int MaxWrite = 64 * 1024;

    private readonly Channel<byte[]> _queue = Channel.CreateUnbounded<byte[]>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false, AllowSynchronousContinuations = false });

    public List<string> Channels { get; } = [];

    public void Enqueue(byte[] frame) => _queue.Writer.TryWrite(frame);

    public async Task RunAsync(CancellationToken aborted)
    {
        var writer = WriteLoopAsync();
        try
        {
            await ReadLoopAsync(aborted);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Client gone.
        }
        finally
        {
            hub.Remove(this);
            _queue.Writer.TryComplete();
            await writer;
        }
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync())
            {
                if (!reader.TryRead(out var first))
                {
                    continue;
                }

                if (!reader.TryPeek(out _))
                {
                    await stream.WriteAsync(first);
                    continue;
                }

                var buffer = ArrayPool<byte>.Shared.Rent(MaxWrite);
                try
                {
                    first.CopyTo(buffer, 0);
                    var length = first.Length;
                    while (reader.TryPeek(out var next))
                    {
                        if (length + next.Length > buffer.Length)
                        {
                            await stream.WriteAsync(buffer.AsMemory(0, length));
                            length = 0;
                            if (next.Length > buffer.Length)
                            {
                                reader.TryRead(out _);
                                await stream.WriteAsync(next);
                                continue;
                            }
                        }

                        reader.TryRead(out _);
                        next.CopyTo(buffer, length);
                        length += next.Length;
                    }

                    await stream.WriteAsync(buffer.AsMemory(0, length));
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // Client gone; the read loop ends too.
        }
    }

    private async Task ReadLoopAsync(CancellationToken aborted)
    {
        byte[] carry = [];
        var carryLength = 0;
        while (true)
        {
            // Zero-byte read: wait for data without holding a buffer (the idle-memory technique of N3/N5).
#pragma warning disable CA2022
            await stream.ReadAsync(Memory<byte>.Empty, aborted);
#pragma warning restore CA2022
            var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(4096, carryLength * 2));
            try
            {
                carry.AsSpan(0, carryLength).CopyTo(buffer);
                var n = await stream.ReadAsync(buffer.AsMemory(carryLength), aborted);
                if (n == 0)
                {
                    return;
                }

                var total = carryLength + n;
                var offset = 0;
                while (Frames.TryReadClientFrame(buffer.AsSpan(offset, total - offset), out var opcode, out var payload, out var consumed))
                {
                    offset += consumed;
                    if (!Handle(opcode, payload))
                    {
                        return;
                    }
                }

                carryLength = total - offset;
                if (carryLength > carry.Length)
                {
                    carry = new byte[carryLength];
                }

                buffer.AsSpan(offset, carryLength).CopyTo(carry);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>Text <c>s CHANNEL</c> → subscribe + <c>ok</c>; text <c>e ID …</c> → <c>a ID</c>; ping → pong; close → close.</summary>
    private bool Handle(int opcode, Span<byte> payload)
    {
        switch (opcode)
        {
            case 0x1 when payload.Length > 2 && payload[0] == (byte)'s':
                var channel = System.Text.Encoding.UTF8.GetString(payload[2..]);
                Channels.Add(channel);
                hub.Subscribe(channel, this);
                Enqueue(Frames.Ok);
                return true;
            case 0x1 when payload.Length > 2 && payload[0] == (byte)'e':
                var end = payload[2..].IndexOf((byte)' ');
                var id = end < 0 ? payload[2..] : payload.Slice(2, end);
                var reply = new byte[2 + 2 + id.Length];
                reply[0] = 0x81;
                reply[1] = (byte)(2 + id.Length);
                reply[2] = (byte)'a';
                reply[3] = (byte)' ';
                id.CopyTo(reply.AsSpan(4));
                Enqueue(reply);
                return true;
            case 0x9:
                Enqueue(Frames.Pong(payload));
                return true;
            case 0x8:
                Enqueue(Frames.Close);
                return false;
            default:
                return true;
        }
    }
}
