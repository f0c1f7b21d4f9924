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
        var established = new List<Subscription>(serverSide.Count);
        foreach (var (channel, options) in serverSide)
        {
            var subscription = new Subscription(this, channel, options, serverSide: true) { PushJoinLeave = options.ForcePushJoinLeave };
            if (await TryJoinChannelAsync(subscription).ConfigureAwait(false))
            {
                result.Subs[channel] = new SubscribeResult();
                established.Add(subscription);
            }
        }

        WriteReply(new Reply { Id = id, Connect = result });
        foreach (var subscription in established)
        {
            await ActivateAsync(subscription).ConfigureAwait(false);
        }

        CoreLog.ClientConnected(_node.Log, Id, UserId, _transport.Name);
        return null;
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
