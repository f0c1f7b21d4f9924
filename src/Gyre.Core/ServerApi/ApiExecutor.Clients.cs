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
        Engine.StreamPosition? since = request.RecoverSince is { } position ? new Engine.StreamPosition(position.Offset, position.Epoch) : null;
        foreach (var client in Targets(request.User, request.Client, request.Session))
        {
            await client.ServerSubscribeAsync(request.Channel, options, data, info, since).ConfigureAwait(false);
        }

        return new SubscribeResponse { Result = new SubscribeResult() };
    }

    /// <summary>Unsubscribes a user's connections from a channel (every channel when it is empty).</summary>
    public async ValueTask<UnsubscribeResponse> UnsubscribeAsync(UnsubscribeRequest request, CancellationToken cancellationToken)
    {
        if (request.Channel.Length > 0 && _node.Channels.Resolve(request.Channel, out _) is { Code: 102 })
        {
            return new UnsubscribeResponse { Error = ApiErrors.UnknownChannel };
        }

        foreach (var client in Targets(request.User, request.Client, request.Session))
        {
            await client.ServerUnsubscribeAsync(request.Channel).ConfigureAwait(false);
        }

        return new UnsubscribeResponse { Result = new UnsubscribeResult() };
    }

    /// <summary>Disconnects a user's connections; 3503 "force disconnect" unless a code is given.</summary>
    public async ValueTask<DisconnectResponse> DisconnectAsync(DisconnectRequest request, CancellationToken cancellationToken)
    {
        var disconnect = request.Disconnect is { Code: > 0 } custom
            ? new Errors.Disconnect(custom.Code, custom.Reason)
            : Errors.Disconnect.ForceNoReconnect;
        var keep = request.Whitelist.ToHashSet(StringComparer.Ordinal);
        foreach (var client in Targets(request.User, request.Client, request.Session))
        {
            if (!keep.Contains(client.Id))
            {
                await client.CloseAsync(disconnect).ConfigureAwait(false);
            }
        }

        return new DisconnectResponse { Result = new DisconnectResult() };
    }

    /// <summary>Refreshes a user's connections: expire now, move the expiry, or replace the connection info.</summary>
    public async ValueTask<RefreshResponse> RefreshAsync(RefreshRequest request, CancellationToken cancellationToken)
    {
        foreach (var client in Targets(request.User, request.Client, request.Session))
        {
            await client.ServerRefreshAsync(request.Expired, request.ExpireAt, request.Info.Memory).ConfigureAwait(false);
        }

        return new RefreshResponse { Result = new RefreshResult() };
    }

    /// <summary>
    /// The connections a client-targeting call acts on: the user's (an empty user is the anonymous bucket),
    /// narrowed to one client id and/or session when given. This node only until a multi-node broker relays
    /// the call over the control channel.
    /// </summary>
    private IEnumerable<Client> Targets(string user, string client, string session) =>
        _node.UserConnections(user).Where(c => (client.Length == 0 || c.Id == client) && (session.Length == 0 || c.Session == session));

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
