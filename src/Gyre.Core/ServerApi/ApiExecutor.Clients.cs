using Google.Protobuf;
using Gyre.Core.Channels;
using Gyre.Protocol.Api;

namespace Gyre.Core.ServerApi;

public sealed partial class ApiExecutor
{
    /// <summary>Subscribes a user's connections (optionally one client or session) to a channel.</summary>
    public async ValueTask<SubscribeResponse> SubscribeAsync(SubscribeRequest request, CancellationToken cancellationToken)
    {
        if (request.Channel.Length == 0)
        {
            return new SubscribeResponse { Error = ApiErrors.BadRequest };
        }

        if (_node.Channels.Resolve(request.Channel, out var options) is { Code: 102 })
        {
            return new SubscribeResponse { Error = ApiErrors.UnknownChannel };
        }

        if (!TryDecode(request.Info, request.B64Info, out var info) || !TryDecode(request.Data, request.B64Data, out var data))
        {
            return new SubscribeResponse { Error = ApiErrors.BadRequest };
        }

        options = ApplyOverride(options, request.Override);
        var command = new Protocol.Control.Subscribe
        {
            User = request.User,
            Client = request.Client,
            Session = request.Session,
            Channel = request.Channel,
            EmitPresence = options.Presence,
            EmitJoinLeave = options.JoinLeave,
            PushJoinLeave = options.ForcePushJoinLeave,
            Position = options.ForcePositioning,
            Recover = options.ForceRecovery,
            ExpireAt = request.ExpireAt,
            ChannelInfo = ByteString.CopyFrom(info.Span),
            Data = ByteString.CopyFrom(data.Span),
            RecoverSince = request.RecoverSince is { } since ? new Protocol.Control.StreamPosition { Offset = since.Offset, Epoch = since.Epoch } : null,
        };
        return await OnEveryNodeAsync(_node.SubscribeAsync(command, cancellationToken), "subscribe").ConfigureAwait(false) is { } error
            ? new SubscribeResponse { Error = error }
            : new SubscribeResponse { Result = new SubscribeResult() };
    }

    /// <summary>Unsubscribes a user's connections on every node from a channel (every channel when it is empty).</summary>
    public async ValueTask<UnsubscribeResponse> UnsubscribeAsync(UnsubscribeRequest request, CancellationToken cancellationToken)
    {
        if (request.Channel.Length > 0 && _node.Channels.Resolve(request.Channel, out _) is { Code: 102 })
        {
            return new UnsubscribeResponse { Error = ApiErrors.UnknownChannel };
        }

        var command = new Protocol.Control.Unsubscribe
        {
            User = request.User,
            Client = request.Client,
            Session = request.Session,
            Channel = request.Channel,
            Code = 2000,
            Reason = "server unsubscribe",
        };
        return await OnEveryNodeAsync(_node.UnsubscribeAsync(command, cancellationToken), "unsubscribe").ConfigureAwait(false) is { } error
            ? new UnsubscribeResponse { Error = error }
            : new UnsubscribeResponse { Result = new UnsubscribeResult() };
    }

    /// <summary>Disconnects a user's connections on every node; 3503 "force disconnect" unless a code is given.</summary>
    public async ValueTask<DisconnectResponse> DisconnectAsync(DisconnectRequest request, CancellationToken cancellationToken)
    {
        var disconnect = request.Disconnect is { Code: > 0 } custom
            ? new Errors.Disconnect(custom.Code, custom.Reason)
            : Errors.Disconnect.ForceNoReconnect;
        var command = new Protocol.Control.Disconnect
        {
            User = request.User,
            Client = request.Client,
            Session = request.Session,
            Code = disconnect.Code,
            Reason = disconnect.Reason,
        };
        command.Whitelist.Add(request.Whitelist);
        return await OnEveryNodeAsync(_node.DisconnectAsync(command, cancellationToken), "disconnect").ConfigureAwait(false) is { } error
            ? new DisconnectResponse { Error = error }
            : new DisconnectResponse { Result = new DisconnectResult() };
    }

    /// <summary>Refreshes a user's connections on every node: expire now, move the expiry, or replace the connection info.</summary>
    public async ValueTask<RefreshResponse> RefreshAsync(RefreshRequest request, CancellationToken cancellationToken)
    {
        var command = new Protocol.Control.Refresh
        {
            User = request.User,
            Client = request.Client,
            Session = request.Session,
            Expired = request.Expired,
            ExpireAt = request.ExpireAt,
            Info = request.Info,
        };
        return await OnEveryNodeAsync(_node.RefreshAsync(command, cancellationToken), "refresh").ConfigureAwait(false) is { } error
            ? new RefreshResponse { Error = error }
            : new RefreshResponse { Result = new RefreshResult() };
    }

    /// <summary>
    /// Awaits an action that ran on this node and is relayed to the others through the broker; a broker failure is
    /// logged and answered with 100 (the local part has run).
    /// </summary>
    private async ValueTask<Error?> OnEveryNodeAsync(ValueTask action, string method)
    {
        try
        {
            await action.ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            ApiLog.RelayFailed(_node.Log, method, e);
            return ApiErrors.Internal;
        }
    }

    private static ChannelOptions ApplyOverride(ChannelOptions options, SubscribeOptionOverride? overrides) => overrides is null
        ? options
        : options with
        {
            Presence = overrides.Presence?.Value ?? options.Presence,
            JoinLeave = overrides.JoinLeave?.Value ?? options.JoinLeave,
            ForceRecovery = overrides.ForceRecovery?.Value ?? options.ForceRecovery,
            ForcePositioning = overrides.ForcePositioning?.Value ?? options.ForcePositioning,
            ForcePushJoinLeave = overrides.ForcePushJoinLeave?.Value ?? options.ForcePushJoinLeave,
        };

    /// <summary><c>b64…</c> wins when set (standard padded base64; malformed is 107), else the raw JSON bytes (possibly empty).</summary>
    private static bool TryDecode(ByteString raw, string b64, out ReadOnlyMemory<byte> value)
    {
        value = raw.Memory;
        if (b64.Length == 0)
        {
            return true;
        }

        try
        {
            value = Convert.FromBase64String(b64);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
