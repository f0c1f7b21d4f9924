using System.Diagnostics.CodeAnalysis;
using Grpc.Core;
using Gyre.Core;

namespace Gyre.Grpc;

/// <summary>
/// Serves <c>centrifugal.centrifuge.protocol.Centrifuge/Connect</c> (proto/client_grpc.proto): one duplex call is
/// one client connection speaking the Protobuf client protocol, one Command or Reply per gRPC message.
/// </summary>
/// <remarks>
/// Bound by hand with raw-byte marshallers instead of generated stubs: the client's writer already holds encoded
/// replies, and generated code would parse each into a <c>Reply</c> only to serialize it again; inbound commands
/// go to <see cref="Client.HandleFrameAsync"/> as bytes, the same path as WebSocket frames.
/// </remarks>
[BindServiceMethod(typeof(GrpcClientService), nameof(BindService))]
public class GrpcClientService(Node node)
{
    /// <summary>The fully qualified service name from client_grpc.proto.</summary>
    public const string ServiceName = "centrifugal.centrifuge.protocol.Centrifuge";

    private static readonly Method<byte[], EncodedReply> ConnectMethod = new(
        MethodType.DuplexStreaming,
        ServiceName,
        nameof(Connect),
        Marshallers.Create<byte[]>(static (_, _) => throw new NotSupportedException("server side only"), GrpcClientTransport.ReadCommand),
        Marshallers.Create<EncodedReply>(GrpcClientTransport.WriteReply, static _ => throw new NotSupportedException("server side only")));

    /// <summary>Called by Grpc.AspNetCore; it finds <see cref="Connect"/> by the method name.</summary>
    public static void BindService(ServiceBinderBase binder, GrpcClientService? service)
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.AddMethod(ConnectMethod, service is null ? null : service.Connect);
    }

    /// <summary>Runs one connection until either side ends it.</summary>
    /// <remarks>Virtual because Grpc.AspNetCore binds only a virtual method declared on the bound type.</remarks>
    [SuppressMessage("Usage", "VSTHRD200:Use \"Async\" suffix for async methods", Justification = "gRPC binds the handler by its proto method name.")]
    public virtual async Task Connect(IAsyncStreamReader<byte[]> requestStream, IServerStreamWriter<EncodedReply> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        using var transport = new GrpcClientTransport(responseStream, context.CancellationToken);
        var client = node.Connect(transport);
        await transport.ReceiveAsync(client, requestStream).ConfigureAwait(false);

        // Returning ends the call, so wait until the writer has sent its last reply and the disconnect push.
        await client.Completion.ConfigureAwait(false);
    }
}

/// <summary>
/// One encoded Reply on its way to the gRPC serializer. Each transport reuses one instance: its writes are
/// sequential and the bytes are copied out before a write completes.
/// </summary>
public sealed class EncodedReply
{
    /// <summary>The Reply's Protobuf bytes, without a length prefix.</summary>
    public ReadOnlyMemory<byte> Bytes { get; set; }
}
