using Grpc.Core;
using Gyre.Core;
using Gyre.Core.Errors;
using Gyre.Protocol;
using Push = Gyre.Protocol.Messages.Push;
using WireDisconnect = Gyre.Protocol.Messages.Disconnect;

namespace Gyre.Grpc.UniStream;

/// <summary>
/// The uni_grpc transport: every varint-delimited push of a writer frame becomes one gRPC response message (the
/// delimiter removed, as gRPC frames messages itself). The empty push is the application ping.
/// </summary>
internal sealed class UniGrpcTransport(IServerStreamWriter<RawPush> stream) : ITransport
{
    private readonly RawPush _message = new();

    public string Name => "uni_grpc";

    public ProtocolType Protocol => ProtocolType.Protobuf;

    public bool Unidirectional => true;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> frame)
    {
        while (!frame.IsEmpty)
        {
            var (length, prefix) = ReadLength(frame.Span);
            var message = frame.Slice(prefix, length);
            frame = frame[(prefix + length)..];

            // The marshaller copies the message into the response before WriteAsync completes, so the writer's
            // pooled frame may be reused afterwards.
            _message.Bytes = message;
            await stream.WriteAsync(_message).ConfigureAwait(false);
        }
    }

    public async ValueTask CloseAsync(Disconnect disconnect)
    {
        if (disconnect == Disconnect.ConnectionClosed)
        {
            return;
        }

        try
        {
            var push = new Push { Disconnect = new WireDisconnect { Code = disconnect.Code, Reason = disconnect.Reason, Reconnect = disconnect.Reconnect } };
            _message.Bytes = Google.Protobuf.MessageExtensions.ToByteArray(push);
            await stream.WriteAsync(_message).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or OperationCanceledException)
        {
            // The call is already over.
        }
    }

    private static (int Length, int Prefix) ReadLength(ReadOnlySpan<byte> source)
    {
        ulong value = 0;
        for (var i = 0; i < Math.Min(source.Length, 5); i++)
        {
            value |= (ulong)(source[i] & 0x7F) << (7 * i);
            if (source[i] < 0x80)
            {
                return ((int)value, i + 1);
            }
        }

        throw new InvalidDataException("malformed varint length prefix in a writer frame");
    }
}
