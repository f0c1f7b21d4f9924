using Google.Protobuf;
using Gyre.Core.Auth;
using Gyre.Core.Diagnostics;
using Gyre.Core.Errors;
using Gyre.Protocol.Messages;

namespace Gyre.Core;

public sealed partial class Client
{
    private async ValueTask<Disconnect?> HandleConnectAsync(uint id, ConnectRequest request)
    {
        var insecure = _options.Insecure;
        ConnectionToken? token = null;
        if (request.Token.Length > 0)
        {
            switch (_node.Tokens.VerifyConnectionToken(request.Token, ignoreExpiry: insecure, out token))
            {
                case TokenStatus.Invalid:
                    CoreLog.InvalidToken(_node.Log, Id);
                    return Disconnect.InvalidToken;
                case TokenStatus.Expired:
                    // The SDK fetches a fresh token and reconnects; this connection accepts nothing more.
                    lock (_lock)
                    {
                        _state = ClientState.Unusable;
                    }

                    WriteError(id, ClientError.TokenExpired);
                    return null;
            }
        }
        else if (!insecure && !_options.AllowAnonymousConnectWithoutToken)
        {
            CoreLog.ProtocolViolation(_node.Log, Id, "no credentials");
            return Disconnect.BadRequest;
        }

        var serverSide = new List<(string Channel, Channels.ChannelOptions Options)>();
        foreach (var channel in token?.Channels ?? [])
        {
            if (_node.Channels.Resolve(channel, out var options) is { } error)
            {
                WriteError(id, error);
                lock (_lock)
                {
                    _state = ClientState.Unusable;
                }

                return null;
            }

            serverSide.Add((channel, options));
        }

        if (serverSide.Count > _options.ChannelLimit)
        {
            return Disconnect.ChannelLimit;
        }

        UserId = token?.UserId ?? "";
        Info = new ClientInfo { User = UserId, Client = Id };
        if (token is { Info.IsEmpty: false })
        {
            Info.ConnInfo = ByteString.CopyFrom(token.Info.Span);
        }

        var now = Now();
        var result = new ConnectResult { Client = Id, Version = _node.Options.Version };
        if (_options.PingInterval > TimeSpan.Zero)
        {
            result.Ping = (uint)_options.PingInterval.TotalSeconds;
            result.Pong = PongEnabled;
        }

        if (_options.ConnectIncludeServerTime)
        {
            result.Time = now;
        }

        long expireAt = 0;
        if (token?.ExpiresAt is { } exp && !insecure)
        {
            result.Expires = true;
            result.Ttl = (uint)Math.Max(1, exp - (now / 1000));
            expireAt = (exp * 1000) + (long)_options.ExpiredCloseDelay.TotalMilliseconds;
        }

        lock (_lock)
        {
            if (_state != ClientState.Connecting)
            {
                return Disconnect.BadRequest;
            }

            _state = ClientState.Connected;
            _staleAt = 0;
            _expireAt = expireAt;
            StartPingsLocked(now);
            RescheduleLocked();
        }

        _node.Hub.AddClient(this);
        var established = new List<(Subscription Subscription, SubscriptionPlan Plan, RecoveryRead? Read, SubscribeRequest Request)>(serverSide.Count);
        foreach (var (channel, options) in serverSide)
        {
            // The client sends its last positions for server-side subscriptions in ConnectRequest.subs.
            var subRequest = request.Subs.TryGetValue(channel, out var state) ? state : new SubscribeRequest();
            var plan = PlanSubscription(options, subRequest);
            var subscription = new Subscription(this, channel, options, serverSide: true)
            {
                PushJoinLeave = options.ForcePushJoinLeave,
                Positioned = plan.Positioned,
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

        if (!CompleteConnect(id, result, established))
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
    /// Queues the connect reply with every server-side subscription's result, holding all their locks so that
    /// buffered and live publications of those channels are ordered after the reply.
    /// </summary>
    private bool CompleteConnect(uint id, ConnectResult result, List<(Subscription Subscription, SubscriptionPlan Plan, RecoveryRead? Read, SubscribeRequest Request)> established)
    {
        var held = 0;
        try
        {
            foreach (var (subscription, plan, read, subRequest) in established)
            {
                subscription.Enter();
                held++;
                if (read is null)
                {
                    result.Subs[subscription.Channel] = new SubscribeResult();
                    subscription.Active = true;
                    continue;
                }

                var subResult = CompleteSubscribeLocked(subscription, plan, read, subRequest);
                if (subResult is null)
                {
                    return false;
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

    private Disconnect? HandleRefresh(uint id, RefreshRequest request)
    {
        if (request.Token.Length == 0)
        {
            return Disconnect.BadRequest;
        }

        switch (_node.Tokens.VerifyConnectionToken(request.Token, ignoreExpiry: false, out var token))
        {
            case TokenStatus.Invalid:
                return Disconnect.InvalidToken;
            case TokenStatus.Expired:
                return Disconnect.Expired;
        }

        if (token!.UserId != UserId)
        {
            return Disconnect.InvalidToken;
        }

        var result = new RefreshResult { Client = Id, Version = _node.Options.Version };
        var now = Now();
        lock (_lock)
        {
            if (token.ExpiresAt is { } exp)
            {
                result.Expires = true;
                result.Ttl = (uint)Math.Max(1, exp - (now / 1000));
                _expireAt = (exp * 1000) + (long)_options.ExpiredCloseDelay.TotalMilliseconds;
            }
            else
            {
                _expireAt = 0;
            }

            RescheduleLocked();
        }

        if (!token.Info.IsEmpty)
        {
            Info = new ClientInfo { User = UserId, Client = Id, ConnInfo = ByteString.CopyFrom(token.Info.Span) };
        }

        WriteReply(new Reply { Id = id, Refresh = result });
        return null;
    }
}
