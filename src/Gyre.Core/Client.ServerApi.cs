using Google.Protobuf;
using Gyre.Core.Channels;
using Gyre.Protocol.Messages;

namespace Gyre.Core;

public sealed partial class Client
{
    /// <summary>
    /// Subscribes this connection from the server (server API <c>subscribe</c>): a subscribe push, then recovered
    /// publications when <paramref name="recoverSince"/> is given and the channel allows recovery, then live
    /// delivery. No permission checks: the backend decided.
    /// </summary>
    internal async ValueTask ServerSubscribeAsync(string channel, ChannelOptions options, ReadOnlyMemory<byte> data, ReadOnlyMemory<byte> channelInfo, StreamPosition? recoverSince)
    {
        var request = new SubscribeRequest { Channel = channel };
        if (recoverSince is { } since)
        {
            request.Recover = true;
            request.Offset = since.Offset;
            request.Epoch = since.Epoch;
        }

        var plan = PlanSubscription(options, request);
        var subscription = new Subscription(this, channel, options, serverSide: true)
        {
            PushJoinLeave = options.ForcePushJoinLeave,
            Positioned = plan.Positioned,
        };
        if (!channelInfo.IsEmpty)
        {
            subscription.Info = new ClientInfo { User = UserId, Client = Id, ConnInfo = Info.ConnInfo, ChanInfo = ByteString.CopyFrom(channelInfo.Span) };
        }

        if (plan.Positioned)
        {
            subscription.StartBuffering();
        }

        if (!await TryJoinChannelAsync(subscription).ConfigureAwait(false))
        {
            return;
        }

        var read = plan.Positioned ? await ReadRecoveryAsync(channel, options, plan, request).ConfigureAwait(false) : null;
        bool merged;
        using (subscription.EnterScope())
        {
            var push = new Subscribe();
            if (!data.IsEmpty)
            {
                push.Data = ByteString.CopyFrom(data.Span);
            }

            IEnumerable<Publication> recovered = [];
            if (read is null)
            {
                merged = true;
                subscription.Active = true;
            }
            else
            {
                var result = CompleteSubscribeLocked(subscription, plan, read, request);
                merged = result is not null;
                if (result is not null)
                {
                    push.Recoverable = result.Recoverable;
                    push.Positioned = result.Positioned;
                    push.Epoch = result.Epoch;
                    push.Offset = result.Offset;
                    recovered = result.Publications;
                }
            }

            if (merged)
            {
                WriteReply(new Reply { Push = new Push { Channel = channel, Subscribe = push } });
                foreach (var publication in recovered)
                {
                    Enqueue(Codec.EncodePublicationPush(channel, publication));
                }
            }
        }

        if (!merged)
        {
            await CloseAsync(Disconnect.InsufficientState).ConfigureAwait(false);
            return;
        }

        await ActivateAsync(subscription).ConfigureAwait(false);
    }

    /// <summary>Unsubscribes from the server (server API <c>unsubscribe</c>): push 2000, then leave. Empty channel = all.</summary>
    internal async ValueTask ServerUnsubscribeAsync(string channel)
    {
        List<Subscription> removed = [];
        lock (_lock)
        {
            if (channel.Length == 0)
            {
                removed.AddRange(_subscriptions.Values);
                _subscriptions.Clear();
            }
            else if (_subscriptions.Remove(channel, out var subscription))
            {
                removed.Add(subscription);
            }
        }

        foreach (var subscription in removed)
        {
            subscription.Active = false;
            WriteReply(new Reply
            {
                Push = new Push { Channel = subscription.Channel, Unsubscribe = new Unsubscribe { Code = 2000, Reason = "server unsubscribe" } },
            });
            await LeaveChannelAsync(subscription).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Server API <c>refresh</c>: marks the connection expired (3005), or moves its expiry (pushing the new ttl),
    /// and optionally replaces its connection info.
    /// </summary>
    internal async ValueTask ServerRefreshAsync(bool expired, long expireAt, ReadOnlyMemory<byte> info)
    {
        if (expired)
        {
            await CloseAsync(Disconnect.Expired).ConfigureAwait(false);
            return;
        }

        // Centrifuge's server-side refresh: a past expire_at closes at once (no grace period, no push); 0 removes
        // the expiry and says so with expires=false; a future one moves the deadline and announces the new ttl.
        var nowSeconds = Now() / 1000;
        if (expireAt > 0 && expireAt <= nowSeconds)
        {
            await CloseAsync(Disconnect.Expired).ConfigureAwait(false);
            return;
        }

        if (!info.IsEmpty)
        {
            Info = new ClientInfo { User = UserId, Client = Id, ConnInfo = ByteString.CopyFrom(info.Span) };
        }

        lock (_lock)
        {
            _expireAt = expireAt > 0 ? (expireAt * 1000) + (long)_options.ExpiredCloseDelay.TotalMilliseconds : 0;
            RescheduleLocked();
        }

        var refresh = expireAt > 0 ? new Refresh { Expires = true, Ttl = (uint)(expireAt - nowSeconds) } : new Refresh();
        WriteReply(new Reply { Push = new Push { Refresh = refresh } });
    }
}
