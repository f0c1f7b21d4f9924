using StackExchange.Redis;

namespace Gyre.Redis;

/// <summary>
/// Builds every Redis key and PUB/SUB channel name Gyre uses, and nothing else does. The layout matches
/// Centrifugo's, so a Redis inspected with <c>redis-cli</c> reads the same under either server.
/// </summary>
/// <remarks>
/// With <see cref="UseHashTags"/> (Redis Cluster) the Gyre channel name is wrapped in <c>{…}</c>, so all keys of
/// one channel and its PUB/SUB channel hash to one slot: the publish script touches the stream, the meta hash and
/// the idempotency key and publishes in one step, which Cluster only allows within a slot.
/// </remarks>
public sealed class RedisKeys
{
    private readonly string _client;
    private readonly string _stream;
    private readonly string _streamMeta;
    private readonly string _result;
    private readonly string _presenceExpire;
    private readonly string _presenceData;
    private readonly string _presenceUserExpire;
    private readonly string _presenceUserClients;
    private readonly string _node;

    /// <summary>Creates the names for one prefix.</summary>
    /// <param name="prefix">Prefix of every name, e.g. <c>centrifugo</c>.</param>
    /// <param name="useHashTags">Wraps channel names in <c>{…}</c>; required on Redis Cluster.</param>
    /// <param name="useShardedPubSub">Builds sharded PUB/SUB channels (<c>SPUBLISH</c>/<c>SSUBSCRIBE</c>).</param>
    public RedisKeys(string prefix, bool useHashTags = false, bool useShardedPubSub = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        Prefix = prefix;
        UseHashTags = useHashTags;
        UseShardedPubSub = useShardedPubSub;
        _client = prefix + ".client.";
        _stream = prefix + ".stream.";
        _streamMeta = prefix + ".stream.meta.";
        _result = prefix + ".result.";
        _presenceExpire = prefix + ".presence.expire.";
        _presenceData = prefix + ".presence.data.";
        _presenceUserExpire = prefix + ".presence.user.expire.";
        _presenceUserClients = prefix + ".presence.user.clients.";
        _node = prefix + ".node.";
        ControlChannel = RedisChannel.Literal(prefix + ".control");
    }

    /// <summary>The prefix of every name.</summary>
    public string Prefix { get; }

    /// <summary>Whether channel names are wrapped in a Cluster hash tag.</summary>
    public bool UseHashTags { get; }

    /// <summary>Whether channel PUB/SUB uses sharded channels.</summary>
    public bool UseShardedPubSub { get; }

    /// <summary>The Redis command the publish scripts deliver with.</summary>
    public string PublishCommand => UseShardedPubSub ? "spublish" : "publish";

    /// <summary>Control messages for every node: <c>{prefix}.control</c>.</summary>
    public RedisChannel ControlChannel { get; }

    /// <summary>Control messages for one node: <c>{prefix}.node.{nodeId}</c>.</summary>
    public RedisChannel NodeChannel(string nodeId) => RedisChannel.Literal(_node + nodeId);

    /// <summary>Name of the PUB/SUB channel carrying a Gyre channel's publications, joins and leaves.</summary>
    public string PubSubChannelName(string channel) => Tagged(_client, channel);

    /// <summary>The PUB/SUB channel carrying a Gyre channel's publications, joins and leaves.</summary>
    public RedisChannel PubSubChannel(string channel)
    {
        var name = PubSubChannelName(channel);
        return UseShardedPubSub ? RedisChannel.Sharded(name) : RedisChannel.Literal(name);
    }

    /// <summary>The stream holding a channel's publications (entry id = offset).</summary>
    public RedisKey HistoryStream(string channel) => Tagged(_stream, channel);

    /// <summary>The hash holding a channel's epoch (<c>e</c>) and top offset (<c>s</c>).</summary>
    public RedisKey HistoryMeta(string channel) => Tagged(_streamMeta, channel);

    /// <summary>The hash remembering the result of the first publish with an idempotency key.</summary>
    public RedisKey IdempotencyResult(string channel, string idempotencyKey) =>
        string.Concat(Tagged(_result, channel), ".", idempotencyKey);

    /// <summary>Sorted set: client id → expiry (unix seconds).</summary>
    public RedisKey PresenceExpiry(string channel) => Tagged(_presenceExpire, channel);

    /// <summary>Hash: client id → <c>ClientInfo</c> protobuf.</summary>
    public RedisKey PresenceData(string channel) => Tagged(_presenceData, channel);

    /// <summary>Sorted set: user id → expiry (unix seconds); only with the user mapping.</summary>
    public RedisKey PresenceUserExpiry(string channel) => Tagged(_presenceUserExpire, channel);

    /// <summary>Hash: user id → number of the user's clients; only with the user mapping.</summary>
    public RedisKey PresenceUserClients(string channel) => Tagged(_presenceUserClients, channel);

    private string Tagged(string head, string channel) =>
        UseHashTags ? string.Concat(head, "{", channel, "}") : string.Concat(head, channel);
}
