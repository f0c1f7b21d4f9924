using Gyre.Protocol;
using Gyre.Protocol.Messages;

namespace Gyre.Core;

/// <summary>
/// This node's registry of connections (by user) and subscriptions (by channel), split into shards so that
/// unrelated channels and users never contend on one lock.
/// </summary>
/// <remarks>
/// Channel subscriber lists are copy-on-write arrays: subscribe and unsubscribe copy (rare), a broadcast takes
/// the current array under the shard lock and iterates it outside the lock without allocating. A broadcast
/// encodes its push at most once per encoding, lazily, and hands every subscriber the same bytes.
/// </remarks>
internal sealed class Hub
{
    /// <summary>64 shards keep lock contention negligible on the 2–64 cores Gyre targets (Centrifuge uses 64 too).</summary>
    private const int ShardCount = 64;

    private readonly ChannelShard[] _channels = [.. Enumerable.Range(0, ShardCount).Select(_ => new ChannelShard())];
    private readonly UserShard[] _users = [.. Enumerable.Range(0, ShardCount).Select(_ => new UserShard())];

    /// <summary>Registers a connected client.</summary>
    public void AddClient(Client client)
    {
        var shard = _users[ShardOf(client.UserId)];
        lock (shard.Lock)
        {
            if (!shard.Users.TryGetValue(client.UserId, out var clients))
            {
                clients = new Dictionary<string, Client>(StringComparer.Ordinal);
                shard.Users[client.UserId] = clients;
            }

            clients[client.Id] = client;
        }
    }

    /// <summary>Forgets a client.</summary>
    public void RemoveClient(Client client)
    {
        var shard = _users[ShardOf(client.UserId)];
        lock (shard.Lock)
        {
            if (shard.Users.TryGetValue(client.UserId, out var clients) && clients.Remove(client.Id) && clients.Count == 0)
            {
                shard.Users.Remove(client.UserId);
            }
        }
    }

    /// <summary>Connections of <paramref name="user"/> on this node (a snapshot).</summary>
    public Client[] UserClients(string user)
    {
        var shard = _users[ShardOf(user)];
        lock (shard.Lock)
        {
            return shard.Users.TryGetValue(user, out var clients) ? [.. clients.Values] : [];
        }
    }

    /// <summary>Adds a subscription. True when it is the channel's first on this node (subscribe the broker).</summary>
    public bool AddSubscription(Subscription subscription)
    {
        var shard = _channels[ShardOf(subscription.Channel)];
        lock (shard.Lock)
        {
            if (shard.Subscribers.TryGetValue(subscription.Channel, out var current))
            {
                current.Subscribers = [.. current.Subscribers, subscription];
                return false;
            }

            shard.Subscribers[subscription.Channel] = new ChannelState { Subscribers = [subscription] };
            return true;
        }
    }

    /// <summary>Removes a subscription. True when the channel has no subscriber left on this node (unsubscribe the broker).</summary>
    public bool RemoveSubscription(Subscription subscription)
    {
        var shard = _channels[ShardOf(subscription.Channel)];
        lock (shard.Lock)
        {
            if (!shard.Subscribers.TryGetValue(subscription.Channel, out var state))
            {
                return false;
            }

            var current = state.Subscribers;
            var index = Array.IndexOf(current, subscription);
            if (index < 0)
            {
                return false;
            }

            if (current.Length == 1)
            {
                shard.Subscribers.Remove(subscription.Channel);
                return true;
            }

            var next = new Subscription[current.Length - 1];
            current.AsSpan(0, index).CopyTo(next);
            current.AsSpan(index + 1).CopyTo(next.AsSpan(index));
            state.Subscribers = next;
            return false;
        }
    }

    /// <summary>Whether the channel has subscribers on this node.</summary>
    public bool HasSubscribers(string channel) => Subscribers(channel).Length > 0;

    /// <summary>
    /// Delivers a publication to every active subscriber of <paramref name="channel"/>, encoding it at most once
    /// per variant in use (JSON, Protobuf, and for delta subscribers the full-string and patch forms). Returns
    /// the number of subscribers it was queued for.
    /// </summary>
    public int BroadcastPublication(string channel, Publication publication, StreamPosition position)
    {
        var (subscribers, previous) = SubscribersSwappingLast(channel, publication);
        var variants = new PublicationVariants(channel, publication, previous);
        var delivered = 0;
        foreach (var subscription in subscribers)
        {
            switch (subscription.Accept(publication, position))
            {
                case Delivery.Skip:
                    continue;
                case Delivery.InsufficientState:
                    subscription.Client.OnInsufficientState(subscription);
                    continue;
            }

            if (subscription.Filter is { } filter && !Channels.TagsFilter.Matches(filter, publication.Tags))
            {
                continue;
            }

            subscription.Client.Enqueue(variants.For(subscription));
            delivered++;
        }

        return delivered;
    }

    /// <summary>
    /// Every positioned subscription may have missed publications (the broker reconnected): each active one gets
    /// the insufficient-state treatment (unsubscribe 2500, or disconnect 3010 when server-side), so the client
    /// resubscribes and recovers from history instead of waiting for a later offset to show the gap.
    /// </summary>
    public void InvalidatePositions()
    {
        foreach (var shard in _channels)
        {
            List<Subscription> positioned = [];
            lock (shard.Lock)
            {
                foreach (var state in shard.Subscribers.Values)
                {
                    positioned.AddRange(state.Subscribers.Where(s => s.Positioned));
                }
            }

            foreach (var subscription in positioned)
            {
                if (subscription.TryInvalidate())
                {
                    subscription.Client.OnInsufficientState(subscription);
                }
            }
        }
    }

    /// <summary>Delivers a join or leave push to the subscribers that asked for them.</summary>
    public void BroadcastJoinLeave(string channel, Push push)
    {
        byte[]? json = null;
        byte[]? protobuf = null;
        byte[]? uniJson = null;
        byte[]? uniProtobuf = null;
        foreach (var subscription in Subscribers(channel))
        {
            if (!subscription.Active || !subscription.PushJoinLeave)
            {
                continue;
            }

            var codec = subscription.Client.Codec;
            var reply = new Reply { Push = push };
            var bytes = (codec.Unidirectional, codec.Type) switch
            {
                (false, ProtocolType.Json) => json ??= codec.EncodeReply(reply),
                (false, _) => protobuf ??= codec.EncodeReply(reply),
                (true, ProtocolType.Json) => uniJson ??= codec.EncodeReply(reply),
                (true, _) => uniProtobuf ??= codec.EncodeReply(reply),
            };
            subscription.Client.Enqueue(bytes);
        }
    }

    /// <summary>Channels with subscribers on this node and their subscriber counts (the <c>channels</c> API).</summary>
    public Dictionary<string, int> ChannelCounts()
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var shard in _channels)
        {
            lock (shard.Lock)
            {
                foreach (var (channel, state) in shard.Subscribers)
                {
                    result[channel] = state.Subscribers.Length;
                }
            }
        }

        return result;
    }

    /// <summary>Counts for the <c>info</c> API.</summary>
    public (int Clients, int Users, int Channels, int Subscriptions) Counts()
    {
        int clients = 0, users = 0, channels = 0, subscriptions = 0;
        foreach (var shard in _users)
        {
            lock (shard.Lock)
            {
                users += shard.Users.Count;
                foreach (var perUser in shard.Users.Values)
                {
                    clients += perUser.Count;
                }
            }
        }

        foreach (var shard in _channels)
        {
            lock (shard.Lock)
            {
                channels += shard.Subscribers.Count;
                foreach (var state in shard.Subscribers.Values)
                {
                    subscriptions += state.Subscribers.Length;
                }
            }
        }

        return (clients, users, channels, subscriptions);
    }

    private Subscription[] Subscribers(string channel)
    {
        var shard = _channels[ShardOf(channel)];
        lock (shard.Lock)
        {
            return shard.Subscribers.TryGetValue(channel, out var state) ? state.Subscribers : [];
        }
    }

    /// <summary>
    /// The subscribers, and the channel's previous publication (the base of fossil deltas), which this one
    /// replaces. Publications of a channel are delivered one at a time, so the swap sees them in order.
    /// </summary>
    private (Subscription[] Subscribers, Publication? Previous) SubscribersSwappingLast(string channel, Publication publication)
    {
        var shard = _channels[ShardOf(channel)];
        lock (shard.Lock)
        {
            if (!shard.Subscribers.TryGetValue(channel, out var state))
            {
                return ([], null);
            }

            var previous = state.Last;
            state.Last = publication;
            return (state.Subscribers, previous);
        }
    }

    private static int ShardOf(string key) => (int)((uint)StringComparer.Ordinal.GetHashCode(key) % ShardCount);

    private sealed class ChannelShard
    {
        public Lock Lock { get; } = new();

        public Dictionary<string, ChannelState> Subscribers { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>A channel's copy-on-write subscriber array and its last publication (for deltas).</summary>
    private sealed class ChannelState
    {
        public Subscription[] Subscribers { get; set; } = [];

        public Publication? Last { get; set; }
    }

    private sealed class UserShard
    {
        public Lock Lock { get; } = new();

        public Dictionary<string, Dictionary<string, Client>> Users { get; } = new(StringComparer.Ordinal);
    }
}
