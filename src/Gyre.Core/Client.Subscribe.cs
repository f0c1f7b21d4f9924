using Gyre.Core.Channels;
using Gyre.Core.Diagnostics;
using Gyre.Core.Errors;
using Gyre.Protocol.Messages;

namespace Gyre.Core;

public sealed partial class Client
{
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

        if (!CanSubscribe(channel, request.Token, options))
        {
            WriteError(id, ClientError.PermissionDenied);
            return null;
        }

        if (request.Tf is { } tf && (!options.AllowTagsFilter || !TagsFilter.IsValid(tf)))
        {
            WriteError(id, ClientError.BadRequest);
            return null;
        }

        var plan = PlanSubscription(options, request);
        var subscription = new Subscription(this, channel, options, serverSide: false)
        {
            Filter = request.Tf,
            PushJoinLeave = (request.JoinLeave && options.JoinLeave) || options.ForcePushJoinLeave,
            Positioned = plan.Positioned,
            Delta = request.Delta == "fossil" && options.FossilDeltaAllowed,
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
            WriteReply(new Reply { Id = id, Subscribe = new SubscribeResult { Delta = subscription.Delta } });
            subscription.Active = true;
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
                WriteReply(new Reply { Id = id, Subscribe = result });
            }
        }

        if (!merged)
        {
            return Disconnect.InsufficientState;
        }

        await ActivateAsync(subscription).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Centrifugo's subscribe permission rules: a private channel needs a subscription token; a user-limited
    /// channel admits its listed users; otherwise <c>allow_subscribe_for_client</c> (plus
    /// <c>allow_subscribe_for_anonymous</c> for anonymous users); insecure mode admits everyone else.
    /// </summary>
    private bool CanSubscribe(string channel, string token, Channels.ChannelOptions options)
    {
        var rules = _node.Channels;
        if (rules.IsPrivate(channel) || token.Length > 0)
        {
            // Subscription tokens are not verified by this build: refusing is the safe answer.
            return false;
        }

        var userLimited = options.AllowUserLimitedChannels && channel.Contains(rules.Options.UserBoundary, StringComparison.Ordinal);
        if (userLimited && rules.IsUserLimitedFor(channel, UserId))
        {
            return true;
        }

        if (options.AllowSubscribeForClient && (UserId.Length > 0 || options.AllowSubscribeForAnonymous) && !userLimited)
        {
            return true;
        }

        return _options.Insecure;
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

    private Disconnect? HandleSubRefresh(uint id, SubRefreshRequest request)
    {
        if (request.Channel.Length == 0)
        {
            return Disconnect.BadRequest;
        }

        lock (_lock)
        {
            if (!_subscriptions.ContainsKey(request.Channel))
            {
                WriteError(id, ClientError.PermissionDenied);
                return null;
            }
        }

        // Without subscription tokens no subscription is in client-side refresh mode.
        return Disconnect.BadRequest;
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
            await _node.Presence.AddPresenceAsync(subscription.Channel, Id, subscription.Info ?? Info, CancellationToken.None).ConfigureAwait(false);
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
            await _node.Broker.PublishJoinAsync(subscription.Channel, subscription.Info ?? Info, CancellationToken.None).ConfigureAwait(false);
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
                await _node.Broker.PublishLeaveAsync(subscription.Channel, subscription.Info ?? Info, CancellationToken.None).ConfigureAwait(false);
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
                    await _node.Presence.AddPresenceAsync(subscription.Channel, Id, subscription.Info ?? Info, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    CoreLog.CleanupFailed(_node.Log, Id, subscription.Channel, e);
                }
            }
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
