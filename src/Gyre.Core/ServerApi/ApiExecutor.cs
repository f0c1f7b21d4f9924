using Google.Protobuf;
using Gyre.Protocol.Api;
using Microsoft.Extensions.Logging;

namespace Gyre.Core.ServerApi;

/// <summary>
/// The server API's one implementation. HTTP handlers and the gRPC service are thin skins that decode a
/// request message, call a method here and encode the response; no method logic lives anywhere else.
/// </summary>
public sealed partial class ApiExecutor
{
    private readonly Node _node;

    /// <summary>Creates the executor over <paramref name="node"/>.</summary>
    public ApiExecutor(Node node) => _node = node;

    /// <summary>Publishes into one channel.</summary>
    public async ValueTask<PublishResponse> PublishAsync(PublishRequest request, CancellationToken cancellationToken)
    {
        if (!TryGetData(request.Data, request.B64Data, out var data))
        {
            return new PublishResponse { Error = ApiErrors.BadRequest };
        }

        var (result, error) = await PublishOneAsync(request.Channel, data, request.SkipHistory, request.Tags, request.IdempotencyKey, request.Delta, request.Version, request.VersionEpoch, cancellationToken).ConfigureAwait(false);
        return new PublishResponse { Error = error, Result = result };
    }

    /// <summary>Publishes the same data into many channels; per-channel errors stay in the per-channel responses.</summary>
    public async ValueTask<BroadcastResponse> BroadcastAsync(BroadcastRequest request, CancellationToken cancellationToken)
    {
        if (request.Channels.Count == 0 || !TryGetData(request.Data, request.B64Data, out var data))
        {
            return new BroadcastResponse { Error = ApiErrors.BadRequest };
        }

        var responses = await Task.WhenAll(request.Channels.Select(async channel =>
        {
            var (result, error) = await PublishOneAsync(channel, data, request.SkipHistory, request.Tags, request.IdempotencyKey, request.Delta, request.Version, request.VersionEpoch, cancellationToken).ConfigureAwait(false);
            return new PublishResponse { Error = error, Result = result };
        })).ConfigureAwait(false);

        var broadcast = new BroadcastResult();
        broadcast.Responses.Add(responses);
        return new BroadcastResponse { Result = broadcast };
    }

    /// <summary>Describes every live node: this one and those whose announcements arrive through the broker.</summary>
    public InfoResponse Info(InfoRequest request)
    {
        var info = new InfoResult();
        foreach (var node in _node.KnownNodes())
        {
            info.Nodes.Add(new NodeResult
            {
                Uid = node.Id,
                Name = node.Name,
                Version = node.Version,
                NumClients = (uint)node.Clients,
                NumUsers = (uint)node.Users,
                NumChannels = (uint)node.Channels,
                NumSubs = (uint)node.Subscriptions,
                Uptime = (uint)node.UptimeSeconds,
            });
        }

        return new InfoResponse { Result = info };
    }

    private async ValueTask<(PublishResult? Result, Error? Error)> PublishOneAsync(
        string channel, ReadOnlyMemory<byte> data, bool skipHistory, Google.Protobuf.Collections.MapField<string, string> tags, string idempotencyKey, bool delta,
        ulong version, string versionEpoch, CancellationToken cancellationToken)
    {
        if (channel.Length == 0)
        {
            return (null, ApiErrors.BadRequest);
        }

        if (_node.Channels.Resolve(channel, out var options) is { Code: 102 })
        {
            return (null, ApiErrors.UnknownChannel);
        }

        try
        {
            var published = await _node.PublishAsync(
                channel,
                data,
                options,
                tags: tags.Count > 0 ? tags : null,
                idempotencyKey: idempotencyKey,
                skipHistory: skipHistory,
                delta: delta,
                version: version,
                versionEpoch: versionEpoch,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            return (new PublishResult { Offset = published.Position.Offset, Epoch = published.Position.Epoch }, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            ApiLog.PublishFailed(_node.Log, channel, e);
            return (null, ApiErrors.Internal);
        }
    }

    /// <summary>
    /// Takes <c>b64data</c> when set (standard padded base64; malformed is 107), else the raw JSON <c>data</c>.
    /// Empty data is refused, as by Centrifugo's default <c>publication_data_format</c>.
    /// </summary>
    private static bool TryGetData(ByteString raw, string b64, out ReadOnlyMemory<byte> data) =>
        TryDecode(raw, b64, out data) && !data.IsEmpty;

    private static partial class ApiLog
    {
        [LoggerMessage(100, LogLevel.Error, "server API publish to {Channel} failed")]
        public static partial void PublishFailed(ILogger logger, string channel, Exception exception);

        [LoggerMessage(102, LogLevel.Error, "server API {Method} ran on this node but could not reach the other nodes")]
        public static partial void RelayFailed(ILogger logger, string method, Exception exception);
    }
}
