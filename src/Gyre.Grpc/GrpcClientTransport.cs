using System.Buffers;
using Grpc.Core;
using Gyre.Core;
using Gyre.Core.Errors;
using Gyre.Protocol;
using Gyre.Protocol.Protobuf;

namespace Gyre.Grpc;

/// <summary>
/// The transport under a <see cref="GrpcClientService"/> call: turns the client's varint-delimited Protobuf frames
/// into one gRPC message per Reply, and each received Command message into a one-command frame.
/// </summary>
internal sealed class GrpcClientTransport(IServerStreamWriter<EncodedReply> replies, CancellationToken aborted) : ITransport, IDisposable
{
    /// <summary>Cancelled when the server closes the connection, to stop waiting for the next command.</summary>
    private readonly CancellationTokenSource _closed = CancellationTokenSource.CreateLinkedTokenSource(aborted);
    private readonly EncodedReply _reply = new();

    public string Name => "grpc";

    public ProtocolType Protocol => ProtocolType.Protobuf;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> frame)
    {
        // The writer batches several delimited replies into one frame; gRPC frames each message itself.
        while (!frame.IsEmpty)
        {
            var (length, prefix) = ReadVarint(frame.Span);
            _reply.Bytes = frame.Slice(prefix, length);
            await replies.WriteAsync(_reply, aborted).ConfigureAwait(false);
            frame = frame[(prefix + length)..];
        }
    }

    /// <summary>
    /// Sends <c>Reply{push{disconnect}}</c> (a gRPC stream has no close code of its own) and stops reading; the
    /// service then completes the call. For a peer that already left there is nobody to tell.
    /// </summary>
    public async ValueTask CloseAsync(Disconnect disconnect)
    {
        try
        {
            if (disconnect != Disconnect.ConnectionClosed && !aborted.IsCancellationRequested)
            {
                _reply.Bytes = EncodeDisconnectPush(disconnect);
                await replies.WriteAsync(_reply, aborted).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or IOException)
        {
            // The call is already over.
        }
        finally
        {
            await _closed.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Feeds each Command to the client until the peer half-closes, the call ends or the client closes.</summary>
    public async Task ReceiveAsync(Client client, IAsyncStreamReader<byte[]> commands)
    {
        try
        {
            while (await commands.MoveNext(_closed.Token).ConfigureAwait(false))
            {
                if (!await client.HandleFrameAsync(commands.Current).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException or RpcException)
        {
            // Peer gone, or the server closed the connection.
        }
        finally
        {
            await client.CloseAsync(Disconnect.ConnectionClosed).ConfigureAwait(false);
        }
    }

    public void Dispose() => _closed.Dispose();

    /// <summary>Copies one gRPC message into a frame with the varint length prefix the Protobuf codec expects.</summary>
    internal static byte[] ReadCommand(DeserializationContext context)
    {
        var payload = context.PayloadAsReadOnlySequence();
        var length = checked((int)payload.Length);
        Span<byte> prefix = stackalloc byte[5];
        var prefixLength = Varint.Write(prefix, (uint)length);
        var frame = new byte[prefixLength + length];
        prefix[..prefixLength].CopyTo(frame);
        payload.CopyTo(frame.AsSpan(prefixLength));
        return frame;
    }

    /// <summary>Writes an already encoded Reply as the gRPC message, without a copy through a byte array.</summary>
    internal static void WriteReply(EncodedReply reply, SerializationContext context)
    {
        context.SetPayloadLength(reply.Bytes.Length);
        var writer = context.GetBufferWriter();
        writer.Write(reply.Bytes.Span);
        context.Complete();
    }

    private static byte[] EncodeDisconnectPush(Disconnect disconnect)
    {
        var reply = new Gyre.Protocol.Messages.Reply
        {
            Push = new Gyre.Protocol.Messages.Push
            {
                Disconnect = new Gyre.Protocol.Messages.Disconnect { Code = disconnect.Code, Reason = disconnect.Reason, Reconnect = disconnect.Reconnect },
            },
        };
        return Google.Protobuf.MessageExtensions.ToByteArray(reply);
    }

    private static (int Length, int PrefixLength) ReadVarint(ReadOnlySpan<byte> span) =>
        Varint.TryRead(span, out var value, out var consumed)
            ? (checked((int)value), consumed)
            : throw new InvalidOperationException("malformed varint length in an outbound frame");
}
