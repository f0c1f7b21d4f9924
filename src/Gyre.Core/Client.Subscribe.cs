using Gyre.Core.Auth;
using Gyre.Core.Channels;
using Gyre.Core.Diagnostics;
using Gyre.Core.Errors;
using Gyre.Protocol.Messages;

namespace Gyre.Core;

public sealed partial class Client
{
    /// <summary>Earliest subscription expiry deadline (Unix ms of the node clock); 0 = none. Guarded by _lock.</summary>
    private long _subExpiryCheckAt;

    private async ValueTask<Disconnect?> HandleSubscribeAsync(uint id, SubscribeRequest request)
    {
        var channel = request.Channel;
        if (channel.Length == 0 || (request.Delta.Length > 0 && request.Delta != "fossil"))
        {
            return Disconnect.BadRequest;
        }

        if (channel.Length > _node.Channels.Options.MaxLength)
        {
            WriteError(id, ClientError.BadRequest);
            return null;
        }

        lock (_lock)
        {
            if (_subscriptions.ContainsKey(channel))
            {
                WriteError(id, ClientError.AlreadySubscribed);
                return null;
            }

            if (_subscriptions.Count >= _options.ChannelLimit)
            {
                WriteError(id, ClientError.LimitExceeded);
                return null;
            }
        }

        if (_node.Channels.Resolve(channel, out var options) is { } error)
        {
            WriteError(id, error);
            return null;
        }

        var authorization = await AuthorizeSubscribeAsync(channel, request.Token, options).ConfigureAwait(false);
        if (authorization.Disconnect is { } disconnect)
        {
            return disconnect;
        }

        if (authorization.Error is { } refused)
        {
            WriteError(id, refused);
            return null;
        }

        if (request.Tf is { } tf && (!options.AllowTagsFilter || !TagsFilter.IsValid(tf)))
        {
            WriteError(id, ClientError.BadRequest);
            return null;
        }

        var grant = authorization.Token;
        long expireAt = 0;
        if (grant is not null)
        {
            options = grant.Options.Override.ApplyTo(options);
            var nowSeconds = Now() / 1000;
            expireAt = Math.Min(grant.ExpireAt, nowSeconds + MaxTtlSeconds);
            if (expireAt > 0 && expireAt <= nowSeconds)
            {
                // expire_at in the past while exp is fine: "subscription expiration must be greater than now".
                WriteError(id, ClientError.Expired);
                return null;
            }
        }

        // Centrifugo grants positioning and recovery to a client that asks when the namespace allows them or the
        // client may read history, and join/leave pushes when the client may read presence.
        var history = AccessAsSubscriber(options.AllowHistoryForClient, options.AllowHistoryForSubscriber, options.AllowHistoryForAnonymous);
        var presence = AccessAsSubscriber(options.AllowPresenceForClient, options.AllowPresenceForSubscriber, options.AllowPresenceForAnonymous);
        var plan = PlanSubscription(options with { AllowPositioning = options.AllowPositioning || history, AllowRecovery = options.AllowRecovery || history }, request);
        var subscription = new Subscription(this, channel, options, serverSide: false)
        {
            Filter = request.Tf,
            PushJoinLeave = (request.JoinLeave && options.JoinLeave && presence) || options.ForcePushJoinLeave,
            Positioned = plan.Positioned,
            Delta = request.Delta == "fossil" && options.FossilDeltaAllowed,
            Source = SubscriptionSource.Client,
            Info = ChannelInfo(grant?.Options.Info ?? default),
            ExpireAt = expireAt,
        };
        if (plan.Positioned)
        {
            subscription.StartBuffering();
        }

        if (!await TryJoinChannelAsync(subscription).ConfigureAwait(false))
        {
            WriteError(id, ClientError.AlreadySubscribed);
            return null;
        }

        if (!plan.Positioned)
        {
            WriteReply(new Reply { Id = id, Subscribe = WithGrant(new SubscribeResult { Delta = subscription.Delta }, grant, expireAt) });
            subscription.Active = true;
            ScheduleSubscriptionExpiry(expireAt);
            await ActivateAsync(subscription).ConfigureAwait(false);
            return null;
        }

        RecoveryRead read;
        try
        {
            read = await ReadRecoveryAsync(channel, options, plan, request).ConfigureAwait(false);
        }
        catch
        {
            await AbandonAsync(subscription).ConfigureAwait(false);
            throw;
        }

        if (plan.Recover && !read.Recovered && options.RecoveryMode == RecoveryMode.Stream && (request.Flag & RejectUnrecoveredFlag) != 0)
        {
            await AbandonAsync(subscription).ConfigureAwait(false);
            WriteError(id, ClientError.UnrecoverablePosition);
            return null;
        }

        bool merged;
        using (subscription.EnterScope())
        {
            var result = CompleteSubscribeLocked(subscription, plan, read, request);
            merged = result is not null;
            if (merged)
            {
                WriteReply(new Reply { Id = id, Subscribe = WithGrant(result!, grant, expireAt) });
            }
        }

        if (!merged)
        {
            return Disconnect.InsufficientState;
        }

        ScheduleSubscriptionExpiry(expireAt);
        await ActivateAsync(subscription).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Centrifugo's subscribe permission rules, in its order: a private channel (<c>$</c>) needs a subscription token;
    /// a token, when given, decides alone (expired → 109, invalid → 103, for another channel, user or client → 3500);
    /// then a user-limited channel admits its listed users; then <c>allow_subscribe_for_client</c> (plus
    /// <c>allow_subscribe_for_anonymous</c> for anonymous users); insecure mode admits everyone else. Insecure mode
    /// does not open private channels: they still need a token.
    /// </summary>
    private async ValueTask<SubscribeAuthorization> AuthorizeSubscribeAsync(string channel, string token, ChannelOptions options)
    {
        var rules = _node.Channels;
        if (token.Length > 0)
        {
            var verification = await _node.SubscriptionTokens.VerifySubscriptionTokenAsync(token, _options.InsecureSkipTokenSignatureVerify).ConfigureAwait(false);
            switch (verification.Status)
            {
                case TokenStatus.Expired:
                    return new(ClientError.TokenExpired, null, null);
                case TokenStatus.Invalid:
                    AuthLog.InvalidSubscriptionToken(_node.Log, Id, UserId, channel, verification.Problem ?? "");
                    return new(ClientError.PermissionDenied, null, null);
            }

            return CheckSubscriptionToken(channel, verification.Token!) is not null
                ? new(null, Disconnect.InvalidToken, null)
                : new(null, null, verification.Token);
        }

        if (rules.IsPrivate(channel))
        {
            AuthLog.SubscribePermissionDenied(_node.Log, Id, UserId, channel);
            return new(ClientError.PermissionDenied, null, null);
        }

        var userLimited = options.AllowUserLimitedChannels && rules.IsUserLimited(channel);
        var allowed = (userLimited && rules.IsUserLimitedFor(channel, UserId))
            || (options.AllowSubscribeForClient && (UserId.Length > 0 || options.AllowSubscribeForAnonymous) && !userLimited)
            || _options.Insecure;
        if (!allowed)
        {
            AuthLog.SubscribePermissionDenied(_node.Log, Id, UserId, channel);
            return new(ClientError.PermissionDenied, null, null);
        }

        return default;
    }

    /// <summary>A subscription token must name this channel, this user and (when it names one) this client; null when it does.</summary>
    private string? CheckSubscriptionToken(string channel, SubscriptionToken token)
    {
        var problem = token.Channel != channel ? $"token is for channel {token.Channel}"
            : token.UserId != UserId ? $"token is for user '{token.UserId}'"
            : token.Client.Length > 0 && token.Client != Id ? $"token is for client {token.Client}"
            : null;
        if (problem is not null)
        {
            AuthLog.SubscriptionTokenMismatch(_node.Log, Id, UserId, channel, problem);
        }

        return problem;
    }

    /// <summary>
    /// Centrifugo's <c>hasAccessToHistory</c>/<c>hasAccessToPresence</c> for a subscribe that passed its checks: the
    /// client counts as subscribed already.
    /// </summary>
    private bool AccessAsSubscriber(bool forClient, bool forSubscriber, bool forAnonymous) =>
        ((forClient || forSubscriber) && (UserId.Length > 0 || forAnonymous)) || _options.Insecure;

    /// <summary>Adds a subscription token's <c>data</c> and expiry (<c>expires</c>, <c>ttl</c>) to a subscribe result.</summary>
    private SubscribeResult WithGrant(SubscribeResult result, SubscriptionToken? grant, long expireAt)
    {
        if (grant is { Options.Data.IsEmpty: false })
        {
            result.Data = Google.Protobuf.ByteString.CopyFrom(grant.Options.Data.Span);
        }

        if (expireAt > 0)
        {
            result.Expires = true;
            result.Ttl = TtlSeconds(expireAt, Now());
        }

        return result;
    }

    private async ValueTask<Disconnect?> HandleUnsubscribeAsync(uint id, UnsubscribeRequest request)
    {
        if (request.Channel.Length == 0)
        {
            return Disconnect.BadRequest;
        }

        Subscription? subscription;
        lock (_lock)
        {
            _subscriptions.Remove(request.Channel, out subscription);
        }

        if (subscription is not null)
        {
            await LeaveChannelAsync(subscription).ConfigureAwait(false);
        }

        WriteReply(new Reply { Id = id, Unsubscribe = new UnsubscribeResult() });
        return null;
    }

    /// <summary>
    /// A subscription token refresh (centrifuge-js calls the subscription's <c>getToken</c> when <c>ttl</c> elapses). Not
    /// subscribed → 103; a server-side subscription → 3501; no token → 107; invalid or for another channel, user or
    /// client → 3500; expiry in the past → 110. Success moves the subscription's expiry and replaces its channel info.
    /// </summary>
    private async ValueTask<Disconnect?> HandleSubRefreshAsync(uint id, SubRefreshRequest request)
    {
        if (request.Channel.Length == 0)
        {
            return Disconnect.BadRequest;
        }

        Subscription? subscription;
        lock (_lock)
        {
            _subscriptions.TryGetValue(request.Channel, out subscription);
        }

        if (subscription is not { Active: true })
        {
            WriteError(id, ClientError.PermissionDenied);
            return null;
        }

        if (subscription.ServerSide)
        {
            // Server-side subscriptions are never refreshed by the client.
            return Disconnect.BadRequest;
        }

        if (request.Token.Length == 0)
        {
            WriteError(id, ClientError.BadRequest);
            return null;
        }

        var verification = await _node.SubscriptionTokens.VerifySubscriptionTokenAsync(request.Token, _options.InsecureSkipTokenSignatureVerify).ConfigureAwait(false);
        switch (verification.Status)
        {
            case TokenStatus.Invalid:
                AuthLog.InvalidSubscriptionToken(_node.Log, Id, UserId, request.Channel, verification.Problem ?? "");
                return Disconnect.InvalidToken;
            case TokenStatus.Expired:
                // Centrifuge answers an expired refresh token with success and no expiry, which would make the
                // subscription permanent; Gyre refuses it, and the client unsubscribes.
                WriteError(id, ClientError.Expired);
                return null;
        }

        var token = verification.Token!;
        if (CheckSubscriptionToken(request.Channel, token) is not null)
        {
            return Disconnect.InvalidToken;
        }

        var now = Now();
        var nowSeconds = now / 1000;
        var expireAt = Math.Min(token.ExpireAt, nowSeconds + MaxTtlSeconds);
        var result = new SubRefreshResult();
        if (expireAt > 0)
        {
            if (expireAt < nowSeconds)
            {
                WriteError(id, ClientError.Expired);
                return null;
            }

            result.Expires = true;
            result.Ttl = TtlSeconds(expireAt, now);
        }

        lock (_lock)
        {
            if (_subscriptions.TryGetValue(request.Channel, out var current) && current == subscription)
            {
                subscription.ExpireAt = expireAt;
                subscription.Info = ChannelInfo(token.Options.Info);
                ScheduleSubscriptionExpiryLocked();
            }
        }

        WriteReply(new Reply { Id = id, SubRefresh = result });
        return null;
    }

    /// <summary>Schedules the expiry check of a new expiring subscription.</summary>
    private void ScheduleSubscriptionExpiry(long expireAt)
    {
        if (expireAt <= 0)
        {
            return;
        }

        lock (_lock)
        {
            ScheduleSubscriptionExpiryLocked();
        }
    }

    /// <summary>Sets <see cref="_subExpiryCheckAt"/> to the earliest subscription deadline (expiry + <c>expired_sub_close_delay</c>).</summary>
    private void ScheduleSubscriptionExpiryLocked()
    {
        var next = long.MaxValue;
        foreach (var subscription in _subscriptions.Values)
        {
            if (subscription.ExpireAt > 0)
            {
                next = Math.Min(next, SubscriptionDeadline(subscription));
            }
        }

        _subExpiryCheckAt = next == long.MaxValue ? 0 : next;
        RescheduleLocked();
    }

    private long SubscriptionDeadline(Subscription subscription) =>
        (subscription.ExpireAt * 1000) + (long)_options.ExpiredSubCloseDelay.TotalMilliseconds;

    /// <summary>
    /// Removes the subscriptions whose deadline passed and returns them; a server-side one among them means the
    /// connection must close with 3006 instead. Called by the timer under the lock.
    /// </summary>
    private List<Subscription>? TakeExpiredSubscriptionsLocked(long now, out bool serverSideExpired)
    {
        serverSideExpired = false;
        List<Subscription>? expired = null;
        foreach (var subscription in _subscriptions.Values)
        {
            if (subscription.ExpireAt > 0 && SubscriptionDeadline(subscription) <= now)
            {
                serverSideExpired |= subscription.ServerSide;
                (expired ??= []).Add(subscription);
            }
        }

        if (expired is not null && !serverSideExpired)
        {
            foreach (var subscription in expired)
            {
                _subscriptions.Remove(subscription.Channel);
            }
        }

        var next = long.MaxValue;
        foreach (var subscription in _subscriptions.Values)
        {
            if (subscription.ExpireAt > 0 && SubscriptionDeadline(subscription) > now)
            {
                next = Math.Min(next, SubscriptionDeadline(subscription));
            }
        }

        _subExpiryCheckAt = next == long.MaxValue ? 0 : next;
        return expired;
    }

    /// <summary>Ends subscriptions that were not refreshed in time: unsubscribe push 2501, then leave (off the timer thread).</summary>
    private void EndExpiredSubscriptions(List<Subscription> expired)
    {
        foreach (var subscription in expired)
        {
            AuthLog.SubscriptionExpired(_node.Log, Id, subscription.Channel);
            WriteReply(new Reply
            {
                Push = new Push { Channel = subscription.Channel, Unsubscribe = new Unsubscribe { Code = 2501, Reason = "subscription expired" } },
            });
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Client.LeaveInBackground(s), subscription, preferLocal: false);
        }
    }

    /// <summary>Registers the subscription with this client and the node (hub + broker). False if the channel is already taken.</summary>
    private async ValueTask<bool> TryJoinChannelAsync(Subscription subscription)
    {
        lock (_lock)
        {
            if (_state != ClientState.Connected || !_subscriptions.TryAdd(subscription.Channel, subscription))
            {
                return false;
            }
        }

        try
        {
            await _node.AddSubscriptionAsync(subscription).ConfigureAwait(false);
            return true;
        }
        catch
        {
            lock (_lock)
            {
                _subscriptions.Remove(subscription.Channel);
            }

            throw;
        }
    }

    /// <summary>Announces presence and join once the subscription is live.</summary>
    private async ValueTask ActivateAsync(Subscription subscription)
    {
        subscription.Announced = true;
        if (subscription.Options.Presence)
        {
            await _node.Presence.AddPresenceAsync(subscription.Channel, Id, SubscriberInfo(subscription), CancellationToken.None).ConfigureAwait(false);
            lock (_lock)
            {
                if (_nextPresenceAt == 0 && _state == ClientState.Connected)
                {
                    _nextPresenceAt = Now() + (long)_options.PresenceUpdateInterval.TotalMilliseconds;
                    RescheduleLocked();
                }
            }
        }

        if (subscription.Options.JoinLeave)
        {
            await _node.Broker.PublishJoinAsync(subscription.Channel, SubscriberInfo(subscription), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async ValueTask LeaveChannelAsync(Subscription subscription)
    {
        subscription.Active = false;
        try
        {
            await _node.RemoveSubscriptionAsync(subscription).ConfigureAwait(false);
            if (!subscription.Announced)
            {
                return;
            }

            if (subscription.Options.Presence)
            {
                await _node.Presence.RemovePresenceAsync(subscription.Channel, Id, UserId, CancellationToken.None).ConfigureAwait(false);
            }

            if (subscription.Options.JoinLeave)
            {
                await _node.Broker.PublishLeaveAsync(subscription.Channel, SubscriberInfo(subscription), CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            CoreLog.CleanupFailed(_node.Log, Id, subscription.Channel, e);
        }
    }

    private async Task RefreshPresenceAsync()
    {
        Subscription[] subscriptions;
        lock (_lock)
        {
            subscriptions = [.. _subscriptions.Values];
        }

        foreach (var subscription in subscriptions)
        {
            if (subscription.Active && subscription.Options.Presence)
            {
                try
                {
                    await _node.Presence.AddPresenceAsync(subscription.Channel, Id, SubscriberInfo(subscription), CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    CoreLog.CleanupFailed(_node.Log, Id, subscription.Channel, e);
                }
            }
        }
    }

    /// <summary>The ClientInfo this subscriber shows in a channel: the connection's, plus <c>chan_info</c> when a token gave one.</summary>
    private ClientInfo SubscriberInfo(Subscription subscription) => subscription.Info ?? Info;

    /// <summary>The publisher info of a client publication: its subscription's <c>chan_info</c> when it has one, as in Centrifuge.</summary>
    internal ClientInfo PublisherInfo(string channel)
    {
        lock (_lock)
        {
            return _subscriptions.TryGetValue(channel, out var subscription) && subscription.Info is { } info ? info : Info;
        }
    }

    /// <summary>Whether the client holds an active subscription to <paramref name="channel"/>.</summary>
    internal bool IsSubscribed(string channel)
    {
        lock (_lock)
        {
            return _subscriptions.TryGetValue(channel, out var subscription) && subscription.Active;
        }
    }
}

/// <summary>The outcome of the subscribe permission check: an error reply, a disconnect, or allowed (with the token when one decided).</summary>
internal readonly record struct SubscribeAuthorization(ClientError? Error, Disconnect? Disconnect, SubscriptionToken? Token);
