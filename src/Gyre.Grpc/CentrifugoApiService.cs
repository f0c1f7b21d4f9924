using Grpc.Core;
using Gyre.Core.ServerApi;
using Gyre.Protocol.Api;

namespace Gyre.Grpc;

/// <summary>
/// <c>centrifugal.centrifugo.api.CentrifugoApi</c>: each method hands the request to <see cref="ApiExecutor"/>
/// and returns its response. In transport error mode (config or <c>x-centrifugo-error-mode: transport</c>
/// metadata) an API error becomes the call's status instead; Batch never does.
/// </summary>
public sealed class CentrifugoApiService(ApiExecutor executor, GrpcApiOptions options) : CentrifugoApi.CentrifugoApiBase
{
    public override Task<BatchResponse> Batch(BatchRequest request, ServerCallContext context) =>
        executor.BatchAsync(request, context.CancellationToken).AsTask();

    public override Task<PublishResponse> Publish(PublishRequest request, ServerCallContext context) =>
        Run(executor.PublishAsync(request, context.CancellationToken), r => r.Error, context);

    public override Task<BroadcastResponse> Broadcast(BroadcastRequest request, ServerCallContext context) =>
        Run(executor.BroadcastAsync(request, context.CancellationToken), r => r.Error, context);

    public override Task<SubscribeResponse> Subscribe(SubscribeRequest request, ServerCallContext context) =>
        Run(executor.SubscribeAsync(request, context.CancellationToken), r => r.Error, context);

    public override Task<UnsubscribeResponse> Unsubscribe(UnsubscribeRequest request, ServerCallContext context) =>
        Run(executor.UnsubscribeAsync(request, context.CancellationToken), r => r.Error, context);

    public override Task<DisconnectResponse> Disconnect(DisconnectRequest request, ServerCallContext context) =>
        Run(executor.DisconnectAsync(request, context.CancellationToken), r => r.Error, context);

    public override Task<PresenceResponse> Presence(PresenceRequest request, ServerCallContext context) =>
        Run(executor.PresenceAsync(request, context.CancellationToken), r => r.Error, context);

    public override Task<PresenceStatsResponse> PresenceStats(PresenceStatsRequest request, ServerCallContext context) =>
        Run(executor.PresenceStatsAsync(request, context.CancellationToken), r => r.Error, context);

    public override Task<HistoryResponse> History(HistoryRequest request, ServerCallContext context) =>
        Run(executor.HistoryAsync(request, context.CancellationToken), r => r.Error, context);

    public override Task<HistoryRemoveResponse> HistoryRemove(HistoryRemoveRequest request, ServerCallContext context) =>
        Run(executor.HistoryRemoveAsync(request, context.CancellationToken), r => r.Error, context);

    public override Task<InfoResponse> Info(InfoRequest request, ServerCallContext context) =>
        Run(ValueTask.FromResult(executor.Info(request)), r => r.Error, context);

    public override Task<RPCResponse> RPC(RPCRequest request, ServerCallContext context) =>
        Run(ValueTask.FromResult(executor.Rpc(request)), r => r.Error, context);

    public override Task<RefreshResponse> Refresh(RefreshRequest request, ServerCallContext context) =>
        Run(executor.RefreshAsync(request, context.CancellationToken), r => r.Error, context);

    public override Task<ChannelsResponse> Channels(ChannelsRequest request, ServerCallContext context) =>
        Run(ValueTask.FromResult(executor.Channels(request)), r => r.Error, context);

    /// <summary>The gRPC status of an API error in transport error mode (Centrifugo's mapping).</summary>
    public static StatusCode StatusOf(Error error) => error.Code switch
    {
        102 or 104 => StatusCode.NotFound,
        107 or 108 => StatusCode.InvalidArgument,
        112 => StatusCode.OutOfRange,
        113 => StatusCode.AlreadyExists,
        _ => StatusCode.Internal,
    };

    /// <summary>
    /// The status Centrifugo sends in transport error mode: the mapped code, the error's message, and the
    /// <see cref="Error"/> itself as a <c>google.rpc.Status</c> detail
    /// (<c>type.googleapis.com/centrifugal.centrifugo.api.Error</c> in <c>grpc-status-details-bin</c>), so clients that
    /// read details get the numeric API code (e.g. 102) that the gRPC code (NotFound) alone cannot carry.
    /// </summary>
    public static RpcException TransportError(Error error)
    {
        var code = StatusOf(error);
        return new Google.Rpc.Status
        {
            Code = (int)code,
            Message = error.Message,
            Details = { Google.Protobuf.WellKnownTypes.Any.Pack(error) },
        }.ToRpcException();
    }

    private async Task<T> Run<T>(ValueTask<T> call, Func<T, Error?> errorOf, ServerCallContext context)
    {
        var response = await call.ConfigureAwait(false);
        if (errorOf(response) is { } error && TransportMode(context))
        {
            throw TransportError(error);
        }

        return response;
    }

    private bool TransportMode(ServerCallContext context) =>
        options.TransportErrorMode
        || context.RequestHeaders.GetValue("x-centrifugo-error-mode") is "transport";
}
