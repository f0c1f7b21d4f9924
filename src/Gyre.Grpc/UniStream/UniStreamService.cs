using System.Buffers;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Gyre.Core;
using Gyre.Core.Errors;
using ConnectRequest = Gyre.Protocol.Messages.ConnectRequest;

namespace Gyre.Grpc.UniStream;

/// <summary>
/// <c>centrifugal.centrifugo.unistream.CentrifugoUniStream/Consume</c>: a server stream of <c>Push</c> messages for one
/// <c>ConnectRequest</c>, as Centrifugo's uni_grpc serves it.
/// </summary>
/// <remarks>
/// Centrifugo's <c>unistream.proto</c> numbers its <c>ConnectRequest</c> (token 1, data 2, subs 3, name 4, version 5,
/// headers 6; <c>SubscribeRequest</c> recover 3, epoch 6, offset 7) and <c>Push</c> (channel 2, pub 4 … refresh 12) "in sync
/// with the client protocol", so the client protocol's own messages are wire-identical. The method is therefore bound by
/// hand with byte-level marshallers instead of generated from a copy of that file: the request is parsed straight into
/// the client protocol's <see cref="ConnectRequest"/>, and responses are the already encoded pushes of the client's
/// writer (the broadcast's shared bytes), written without a parse and re-encode per subscriber.
/// </remarks>
public sealed class UniStreamService(Node node) : CentrifugoUniStreamBase
{
    /// <summary>Connects a unidirectional client and streams its pushes until it or the caller ends the call.</summary>
    public override async Task Consume(ConnectRequest request, IServerStreamWriter<RawPush> responseStream, ServerCallContext context)
    {
        var transport = new UniGrpcTransport(responseStream);
        var client = node.Connect(transport);
        if (await client.ConnectUnidirectionalAsync(request).ConfigureAwait(false) is null)
        {
            try
            {
                await client.Completion.WaitAsync(context.CancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
            {
                await client.CloseAsync(Disconnect.ConnectionClosed).ConfigureAwait(false);
            }
        }

        await client.Completion.ConfigureAwait(false);
    }
}

/// <summary>
/// The <c>CentrifugoUniStream</c> service contract, bound by hand (see <see cref="UniStreamService"/>). gRPC binds a
/// handler only when it overrides a virtual method of the type named in <see cref="BindServiceMethodAttribute"/>, as
/// generated service bases do.
/// </summary>
[BindServiceMethod(typeof(CentrifugoUniStreamBase), nameof(BindService))]
public abstract class CentrifugoUniStreamBase
{
    /// <summary>The gRPC service name.</summary>
    public const string ServiceName = "centrifugal.centrifugo.unistream.CentrifugoUniStream";

    /// <summary>The <c>Consume</c> method, usable by clients too (tests build their call from it).</summary>
    public static Method<ConnectRequest, RawPush> ConsumeMethod { get; } = new(
        MethodType.ServerStreaming,
        ServiceName,
        "Consume",
        Marshallers.Create(static (ConnectRequest r) => Google.Protobuf.MessageExtensions.ToByteArray(r), static bytes => ConnectRequest.Parser.ParseFrom(bytes)),
        new Marshaller<RawPush>(WriteRaw, static context => new RawPush { Bytes = context.PayloadAsReadOnlySequence().ToArray() }));

    /// <summary>Registers <see cref="Consume"/> with the gRPC server (called through <see cref="BindServiceMethodAttribute"/>).</summary>
    public static void BindService(ServiceBinderBase binder, CentrifugoUniStreamBase? service) =>
        binder.AddMethod(ConsumeMethod, service is null ? null : (ServerStreamingServerMethod<ConnectRequest, RawPush>)service.Consume);

    /// <summary><c>Consume</c>: a server stream of pushes for one connect request.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "VSTHRD200:Use \"Async\" suffix for async methods", Justification = "gRPC binds the handler by the method's wire name, Consume.")]
    public abstract Task Consume(ConnectRequest request, IServerStreamWriter<RawPush> responseStream, ServerCallContext context);

    private static void WriteRaw(RawPush message, SerializationContext context)
    {
        context.SetPayloadLength(message.Bytes.Length);
        var writer = context.GetBufferWriter();
        writer.Write(message.Bytes.Span);
        context.Complete();
    }
}

/// <summary>
/// One encoded <c>Push</c> (without a length prefix) as a gRPC message. A transport reuses one instance for all its
/// writes, which run one at a time, so streaming a push allocates nothing.
/// </summary>
public sealed class RawPush
{
    /// <summary>The encoded push; valid on the server only until the write that carries it completes.</summary>
    public ReadOnlyMemory<byte> Bytes { get; set; }
}
