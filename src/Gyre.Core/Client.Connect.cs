using Google.Protobuf;
using Gyre.Core.Auth;
using Gyre.Core.Channels;
using Gyre.Core.Diagnostics;
using Gyre.Core.Errors;
using Gyre.Protocol.Messages;

namespace Gyre.Core;

public sealed partial class Client
{
    /// <summary>
    /// Longest connection or subscription lifetime honoured, one year as in Centrifuge: a longer TTL is almost surely a
    /// bug, and clamping keeps every deadline far from overflow.
    /// </summary>
    private const long MaxTtlSeconds = 365L * 24 * 3600;

    /// <summary>The error of a failed unidirectional connect, reported by <see cref="ConnectUnidirectionalAsync"/>.</summary>
    private ClientError? _connectError;

    /// <summary>The connection token's <c>meta</c> claim: server-side data for proxies, never sent to the client.</summary>
    internal ReadOnlyMemory<byte> Meta { get; private set; }

    /// <summary>
    /// Centrifugo's connect: authenticate (token, or anonymous when allowed), collect the server-side subscriptions
    /// (token <c>subs</c>/<c>channels</c>, the personal channel, allowed channels of <c>ConnectRequest.subs</c>), apply the
    /// channel and user connection limits and the expiry, then reply and subscribe.
    /// </summary>
    private async ValueTask<Disconnect?> HandleConnectAsync(uint id, ConnectRequest request)
    {
        var insecure = _options.Insecure;
        ConnectionToken? token = null;
        if (request.Token.Length > 0)
        {
            var verification = await _node.Tokens.VerifyConnectionTokenAsync(request.Token, _options.InsecureSkipTokenSignatureVerify).ConfigureAwait(false);
            switch (verification.Status)
            {
                case TokenStatus.Invalid:
                    AuthLog.InvalidConnectionToken(_node.Log, Id, verification.Problem ?? "");
                    return Disconnect.InvalidToken;
                case TokenStatus.Expired:
                    // The SDK fetches a fresh token and reconnects; this connection accepts nothing more.
                    return ConnectError(id, ClientError.TokenExpired);
            }

            token = verification.Token!;
            if (token.UserId.Length == 0 && _options.DisallowAnonymousConnectionTokens)
            {
                AuthLog.AnonymousTokenRefused(_node.Log, Id);
                return Disconnect.PermissionDenied;
            }
        }
        else if (!insecure && !_options.AllowAnonymousConnectWithoutToken)
        {
            CoreLog.ProtocolViolation(_node.Log, Id, "no credentials");
            return Disconnect.BadRequest;
        }

        var user = token?.UserId ?? "";
        var planned = new Dictionary<string, PlannedSubscription>(StringComparer.Ordinal);
        foreach (var grant in token?.Subscriptions ?? [])
        {
            if (grant.Channel.Length == 0)
            {
                continue;
            }

            if (!_node.Channels.TryGetOptions(grant.Channel, out var options))
            {
                AuthLog.UnknownServerSideChannel(_node.Log, Id, grant.Channel, "the connection token");
                return ConnectError(id, ClientError.UnknownChannel);
            }

            planned[grant.Channel] = new PlannedSubscription(grant.Channel, grant.Override.ApplyTo(options), grant, SubscriptionSource.ConnectionToken);
        }

        var personal = _options.SubscribeToUserPersonalChannel;
        if (personal.Enabled && user.Length > 0)
        {
            var channel = _node.Channels.PersonalChannel(personal.PersonalChannelNamespace, user);
            if (personal.SingleConnection)
            {
                await EnforceSingleConnectionAsync(channel, user).ConfigureAwait(false);
            }

            if (!_node.Channels.TryGetOptions(channel, out var options))
            {
                AuthLog.UnknownServerSideChannel(_node.Log, Id, channel, "client.subscribe_to_user_personal_channel");
                return ConnectError(id, ClientError.UnknownChannel);
            }

            planned[channel] = new PlannedSubscription(channel, options, null, SubscriptionSource.UserPersonal);
        }

        // Channels the client names in its connect request (uni transports, or server-side subscriptions it had
        // before a reconnect) are subscribed when the namespace would let the client subscribe to them anyway.
        foreach (var channel in request.Subs.Keys)
        {
            if (!_node.Channels.TryGetOptions(channel, out var options))
            {
                CoreLog.ProtocolViolation(_node.Log, Id, "connect request names a channel in no namespace: " + channel);
                return Disconnect.BadRequest;
            }

            if (!planned.ContainsKey(channel) && MayAutoSubscribe(channel, user, options))
            {
                planned[channel] = new PlannedSubscription(channel, options, null, SubscriptionSource.ConnectRequest);
            }
        }

        if (_options.ChannelLimit > 0 && planned.Count > _options.ChannelLimit)
        {
            return Disconnect.ChannelLimit;
        }

        if (_options.UserConnectionLimit > 0 && user.Length > 0 && _node.UserConnections(user).Count >= _options.UserConnectionLimit)
        {
            AuthLog.UserConnectionLimit(_node.Log, Id, user, _options.UserConnectionLimit);
            return Disconnect.ConnectionLimit;
        }

        var now = Now();
        var nowSeconds = now / 1000;
        long expireAt = insecure ? 0 : Math.Min(token?.ExpireAt ?? 0, nowSeconds + MaxTtlSeconds);
        var result = new ConnectResult { Client = Id, Version = _node.Options.Version };
        if (expireAt > 0)
        {
            if (expireAt < nowSeconds)
            {
                // expire_at in the past while exp is fine: Centrifuge's "connection expiration must be greater than now".
                return ConnectError(id, ClientError.Expired);
            }

            result.Expires = true;
            result.Ttl = TtlSeconds(expireAt, now);
        }

        if (_options.PingInterval > TimeSpan.Zero)
        {
            result.Ping = (uint)_options.PingInterval.TotalSeconds;
            result.Pong = PongEnabled;
        }

        if (_options.ConnectIncludeServerTime)
        {
            result.Time = now;
        }

        result.Session = Session;
        if (Emulated)
        {
            result.Node = _node.Id;
        }

        UserId = user;
        Info = new ClientInfo { User = UserId, Client = Id };
        if (token is { Info.IsEmpty: false })
        {
            Info.ConnInfo = ByteString.CopyFrom(token.Info.Span);
        }

        Meta = token?.Meta ?? default;
        lock (_lock)
        {
            if (_state != ClientState.Connecting)
            {
                return Disconnect.BadRequest;
            }

            _state = ClientState.Connected;
            _staleAt = 0;
            _expireAt = expireAt > 0 ? (expireAt * 1000) + (long)_options.ExpiredCloseDelay.TotalMilliseconds : 0;
            StartPingsLocked(now);
            RescheduleLocked();
        }

        _node.Hub.AddClient(this);
        var established = new List<(Subscription Subscription, SubscriptionPlan Plan, RecoveryRead? Read, SubscribeRequest Request)>(planned.Count);
        foreach (var (channel, options, grant, source) in planned.Values)
        {
            // The client sends its last positions for server-side subscriptions in ConnectRequest.subs.
            var subRequest = request.Subs.TryGetValue(channel, out var state) ? state : new SubscribeRequest();
            var plan = PlanSubscription(options, subRequest);
            var subscription = new Subscription(this, channel, options, serverSide: true)
            {
                PushJoinLeave = options.ForcePushJoinLeave,
                Positioned = plan.Positioned,
                Source = source,
                Info = ChannelInfo(grant?.Info ?? default),
            };
            if (plan.Positioned)
            {
                subscription.StartBuffering();
            }

            if (await TryJoinChannelAsync(subscription).ConfigureAwait(false))
            {
                var read = plan.Positioned ? await ReadRecoveryAsync(channel, options, plan, subRequest).ConfigureAwait(false) : null;
                established.Add((subscription, plan, read, subRequest));
            }
        }

        if (!CompleteConnect(id, result, established, planned))
        {
            return Disconnect.InsufficientState;
        }

        foreach (var (subscription, _, _, _) in established)
        {
            await ActivateAsync(subscription).ConfigureAwait(false);
        }

        CoreLog.ClientConnected(_node.Log, Id, UserId, _transport.Name);
        return null;
    }

    /// <summary>
    /// Whole seconds left until <paramref name="expireAt"/>, rounded down from the millisecond clock. Centrifuge
    /// subtracts the current Unix second instead, which overstates the TTL by up to a second: a client refreshing
    /// exactly at the TTL (centrifuge-js does) then arrives after the expiry, inside the grace delay only if that is
    /// longer than the overstatement. Rounding down keeps every refresh before the expiry.
    /// </summary>
    private static uint TtlSeconds(long expireAt, long nowMilliseconds) =>
        (uint)Math.Max(0, ((expireAt * 1000) - nowMilliseconds) / 1000);

    /// <summary>
    /// A failed connect: the error reply, and the connection accepts no further command (the client closes it). A
    /// unidirectional client cannot read a reply, so it is disconnected instead, with Centrifuge's mapping of connect
    /// errors to codes: 109/110 → 3005, 111 → 3013, 103 → 3507, any other → 3004.
    /// </summary>
    private Disconnect? ConnectError(uint id, ClientError error)
    {
        lock (_lock)
        {
            _state = ClientState.Unusable;
        }

        if (Codec.Unidirectional)
        {
            _connectError = error;
            return error.Code switch
            {
                109 or 110 => Disconnect.Expired,
                111 => Disconnect.TooManyRequests,
                103 => Disconnect.PermissionDenied,
                _ => Disconnect.ServerError,
            };
        }

        WriteError(id, error);
        return null;
    }

    /// <summary>
    /// Connects a unidirectional client with its bare connect request. On success the client has queued its
    /// <c>connect</c> push and returns null. On failure it returns why: the connect error's code and message, or the
    /// disconnect's code and reason. With <paramref name="closeWithDisconnect"/> the connection is then closed with the
    /// disconnect (a disconnect push where the transport writes one); without, it is closed silently, so the transport
    /// can answer with an HTTP status instead (<c>connect_code_to_http_response</c>).
    /// </summary>
    public async ValueTask<ConnectRejection?> ConnectUnidirectionalAsync(ConnectRequest request, bool closeWithDisconnect = true)
    {
        if (!Codec.Unidirectional)
        {
            throw new InvalidOperationException("the connection's transport is not unidirectional");
        }

        Disconnect? disconnect;
        try
        {
            disconnect = await HandleConnectAsync(1, request).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            CoreLog.CommandFailed(_node.Log, Id, "connect", e);
            _connectError = ClientError.Internal;
            disconnect = Disconnect.ServerError;
        }

        if (disconnect is null)
        {
            return null;
        }

        var rejection = _connectError is { } error ? new ConnectRejection(error.Code, error.Message) : new ConnectRejection(disconnect.Code, disconnect.Reason);
        await CloseAsync(closeWithDisconnect ? disconnect : Disconnect.ConnectionClosed).ConfigureAwait(false);
        return rejection;
    }

    /// <summary>
    /// Centrifugo's rule for channels a client lists in its connect request: not private, a valid name, and a
    /// user-limited channel naming the user, or <c>allow_subscribe_for_client</c> (with anonymous allowed for anonymous
    /// users), or insecure mode. Channels with a subscribe proxy are never auto-subscribed (Gyre has no proxies yet).
    /// </summary>
    private bool MayAutoSubscribe(string channel, string user, ChannelOptions options)
    {
        var rules = _node.Channels;
        if (rules.IsPrivate(channel) || !rules.IsValidName(channel, options))
        {
            return false;
        }

        var userLimited = options.AllowUserLimitedChannels && rules.IsUserLimited(channel);
        return (userLimited && rules.IsUserLimitedFor(channel, user))
            || (options.AllowSubscribeForClient && (user.Length > 0 || options.AllowSubscribeForAnonymous) && !userLimited)
            || _options.Insecure;
    }

    /// <summary>
    /// <c>single_connection</c>: when the personal channel's presence shows the user connected, the user's other
    /// connections on this node are closed with 3504 before this one is admitted.
    /// </summary>
    private async ValueTask EnforceSingleConnectionAsync(string personalChannel, string user)
    {
        var stats = await _node.Presence.PresenceStatsAsync(personalChannel, CancellationToken.None).ConfigureAwait(false);
        if (stats.NumClients < 1)
        {
            return;
        }

        foreach (var other in _node.UserConnections(user))
        {
            if (other != this)
            {
                await other.CloseAsync(Disconnect.ConnectionLimit).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The subscriber's ClientInfo with <c>chan_info</c>, or null to use the connection's own.</summary>
    private ClientInfo? ChannelInfo(ReadOnlyMemory<byte> channelInfo) => channelInfo.IsEmpty
        ? null
        : new ClientInfo { User = UserId, Client = Id, ConnInfo = Info.ConnInfo, ChanInfo = ByteString.CopyFrom(channelInfo.Span) };

    /// <summary>
    /// Queues the connect reply with every server-side subscription's result, holding all their locks so that
    /// buffered and live publications of those channels are ordered after the reply.
    /// </summary>
    private bool CompleteConnect(
        uint id,
        ConnectResult result,
        List<(Subscription Subscription, SubscriptionPlan Plan, RecoveryRead? Read, SubscribeRequest Request)> established,
        Dictionary<string, PlannedSubscription> planned)
    {
        var held = 0;
        try
        {
            foreach (var (subscription, plan, read, subRequest) in established)
            {
                subscription.Enter();
                held++;
                SubscribeResult subResult;
                if (read is null)
                {
                    subResult = new SubscribeResult();
                    subscription.Active = true;
                }
                else if (CompleteSubscribeLocked(subscription, plan, read, subRequest) is { } completed)
                {
                    subResult = completed;
                }
                else
                {
                    return false;
                }

                if (planned[subscription.Channel].Grant is { Data.IsEmpty: false } grant)
                {
                    subResult.Data = ByteString.CopyFrom(grant.Data.Span);
                }

                result.Subs[subscription.Channel] = subResult;
            }

            WriteReply(new Reply { Id = id, Connect = result });
            return true;
        }
        finally
        {
            for (var i = 0; i < held; i++)
            {
                established[i].Subscription.Exit();
            }
        }
    }

    /// <summary>
    /// The client-side refresh of a connection token (centrifuge-js calls <c>getToken</c> when <c>ttl</c> elapses). An
    /// expired token closes with 3005, an invalid one or another user's with 3500; a token whose <c>channels</c>/<c>subs</c>
    /// differ from the server-side subscriptions the first token created closes with 3010, so the client reconnects
    /// with the new set, as Centrifugo does.
    /// </summary>
    private async ValueTask<Disconnect?> HandleRefreshAsync(uint id, RefreshRequest request)
    {
        if (request.Token.Length == 0)
        {
            return Disconnect.BadRequest;
        }

        var verification = await _node.Tokens.VerifyConnectionTokenAsync(request.Token, _options.InsecureSkipTokenSignatureVerify).ConfigureAwait(false);
        switch (verification.Status)
        {
            case TokenStatus.Invalid:
                AuthLog.InvalidConnectionToken(_node.Log, Id, verification.Problem ?? "");
                return Disconnect.InvalidToken;
            case TokenStatus.Expired:
                return Disconnect.Expired;
        }

        var token = verification.Token!;
        if (token.UserId != UserId)
        {
            AuthLog.RefreshUserMismatch(_node.Log, Id, UserId, token.UserId);
            return Disconnect.InvalidToken;
        }

        if (TokenSubscriptionsChanged(token))
        {
            AuthLog.TokenChannelsChanged(_node.Log, Id, UserId);
            return Disconnect.InsufficientState;
        }

        var now = Now();
        var nowSeconds = now / 1000;
        var expireAt = Math.Min(token.ExpireAt, nowSeconds + MaxTtlSeconds);
        var result = new RefreshResult { Client = Id, Version = _node.Options.Version };
        if (expireAt > 0)
        {
            if (expireAt <= nowSeconds)
            {
                WriteError(id, ClientError.Expired);
                return null;
            }

            result.Expires = true;
            result.Ttl = TtlSeconds(expireAt, now);
        }

        Meta = token.Meta;
        if (!token.Info.IsEmpty)
        {
            Info = new ClientInfo { User = UserId, Client = Id, ConnInfo = ByteString.CopyFrom(token.Info.Span) };
        }

        lock (_lock)
        {
            if (!token.Info.IsEmpty)
            {
                // Subscribers with chan_info show the new conn_info from now on too.
                foreach (var subscription in _subscriptions.Values)
                {
                    if (subscription.Info is { } previous)
                    {
                        subscription.Info = new ClientInfo { User = UserId, Client = Id, ConnInfo = Info.ConnInfo, ChanInfo = previous.ChanInfo };
                    }
                }
            }

            // A token without expiry makes the connection permanent. (Centrifuge keeps the old deadline then, so the
            // connection dies at it although the client, told expires:false, never refreshes again.)
            _expireAt = expireAt > 0 ? (expireAt * 1000) + (long)_options.ExpiredCloseDelay.TotalMilliseconds : 0;
            RescheduleLocked();
        }

        WriteReply(new Reply { Id = id, Refresh = result });
        return null;
    }

    /// <summary>Centrifugo's <c>tokenChannelsChanged</c>: a channel granted now but not subscribed, or a token subscription no longer granted.</summary>
    private bool TokenSubscriptionsChanged(ConnectionToken token)
    {
        lock (_lock)
        {
            foreach (var grant in token.Subscriptions)
            {
                if (grant.Channel.Length > 0 && !_subscriptions.ContainsKey(grant.Channel))
                {
                    return true;
                }
            }

            foreach (var subscription in _subscriptions.Values)
            {
                if (subscription.Source == SubscriptionSource.ConnectionToken && !token.Subscriptions.Any(g => g.Channel == subscription.Channel))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>A server-side subscription decided at connect.</summary>
    private readonly record struct PlannedSubscription(string Channel, ChannelOptions Options, TokenSubscription? Grant, SubscriptionSource Source);
}

/// <summary>Why a unidirectional connect failed: an error code (1xx) and message, or a disconnect code (3xxx) and reason.</summary>
/// <param name="Code">The error or disconnect code.</param>
/// <param name="Reason">The error message or disconnect reason.</param>
public readonly record struct ConnectRejection(uint Code, string Reason);
