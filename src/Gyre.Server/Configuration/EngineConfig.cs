using System.Text.Json.Nodes;

namespace Gyre.Server.Configuration;

/// <summary>
/// <c>engine.*</c>: the broker and presence manager together. <c>memory</c> keeps everything in this process;
/// <c>redis</c> lets several nodes share channels, history and presence through Redis.
/// </summary>
public sealed class EngineConfig
{
    /// <summary>The values <see cref="Type"/> accepts.</summary>
    public static IReadOnlyList<string> Types { get; } = ["memory", "redis"];

    /// <summary><c>engine.type</c>: <c>memory</c> (default) or <c>redis</c>.</summary>
    public string Type { get; set; } = "memory";

    /// <summary><c>engine.redis</c>: used when <see cref="Type"/> is <c>redis</c>.</summary>
    public RedisConfig Redis { get; set; } = new();
}

/// <summary><c>broker.*</c>: replaces the engine's broker half when <see cref="Enabled"/>.</summary>
public sealed class BrokerConfig
{
    /// <summary>The values <see cref="Type"/> accepts in Gyre (Centrifugo also has <c>postgres</c> and <c>redisnats</c>).</summary>
    public static IReadOnlyList<string> Types { get; } = ["memory", "redis", "nats"];

    /// <summary><c>broker.enabled</c>. Default false: the engine's broker is used.</summary>
    public bool Enabled { get; set; }

    /// <summary><c>broker.type</c>: <c>memory</c> (default), <c>redis</c> or <c>nats</c>.</summary>
    public string Type { get; set; } = "memory";

    /// <summary><c>broker.redis</c>.</summary>
    public RedisConfig Redis { get; set; } = new();

    /// <summary><c>broker.nats</c>.</summary>
    public NatsConfig Nats { get; set; } = new();

    /// <summary><c>broker.postgres</c>: not supported yet.</summary>
    public JsonNode? Postgres { get; set; }
}

/// <summary><c>presence_manager.*</c>: replaces the engine's presence half when <see cref="Enabled"/>.</summary>
public sealed class PresenceManagerConfig
{
    /// <summary>The values <see cref="Type"/> accepts.</summary>
    public static IReadOnlyList<string> Types { get; } = ["memory", "redis"];

    /// <summary><c>presence_manager.enabled</c>. Default false: the engine's presence manager is used.</summary>
    public bool Enabled { get; set; }

    /// <summary><c>presence_manager.type</c>: <c>memory</c> (default) or <c>redis</c>.</summary>
    public string Type { get; set; } = "memory";

    /// <summary><c>presence_manager.redis</c>.</summary>
    public RedisConfig Redis { get; set; } = new();
}

/// <summary>
/// The Redis options of <c>engine.redis</c>, <c>broker.redis</c> and <c>presence_manager.redis</c>. Several
/// <see cref="Address"/> entries shard channels over independent servers.
/// </summary>
public sealed class RedisConfig
{
    /// <summary><c>address</c>: <c>host:port</c> or <c>redis://</c> URLs, one per shard. Default <c>redis://127.0.0.1:6379</c>.</summary>
    public List<string> Address { get; set; } = ["redis://127.0.0.1:6379"];

    /// <summary><c>prefix</c> of every key and channel. Default <c>centrifugo</c>.</summary>
    public string Prefix { get; set; } = "centrifugo";

    /// <summary><c>connect_timeout</c>. Default 1 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary><c>io_timeout</c>. Default 4 s.</summary>
    public TimeSpan IoTimeout { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary><c>db</c>. Default 0.</summary>
    public int Db { get; set; }

    /// <summary><c>user</c> (Redis 6 ACL).</summary>
    public string User { get; set; } = "";

    /// <summary><c>password</c>.</summary>
    public string Password { get; set; } = "";

    /// <summary><c>client_name</c>.</summary>
    public string ClientName { get; set; } = "";

    /// <summary><c>force_resp2</c>: kept, not used (the client negotiates the protocol).</summary>
    [ConfigKey("force_resp2")]
    public bool ForceResp2 { get; set; }

    /// <summary><c>cluster_address</c>: Redis Cluster seeds, one entry per cluster (comma-separated seeds inside).</summary>
    public List<string> ClusterAddress { get; set; } = [];

    /// <summary><c>tls</c>: TLS to the Redis servers (a <c>rediss://</c> address turns it on with the system store too).</summary>
    public TlsConfig Tls { get; set; } = new();

    /// <summary><c>sentinel_address</c>: sentinels, one entry per shard (comma-separated sentinels inside).</summary>
    public List<string> SentinelAddress { get; set; } = [];

    /// <summary><c>sentinel_user</c>.</summary>
    public string SentinelUser { get; set; } = "";

    /// <summary><c>sentinel_password</c>.</summary>
    public string SentinelPassword { get; set; } = "";

    /// <summary><c>sentinel_master_name</c>: required with <see cref="SentinelAddress"/>.</summary>
    public string SentinelMasterName { get; set; } = "";

    /// <summary><c>sentinel_client_name</c>: kept, not used yet.</summary>
    public string SentinelClientName { get; set; } = "";

    /// <summary>
    /// <c>sentinel_tls</c>: checked but not applied. The Redis client dials sentinels and the master with one TLS
    /// setting, <see cref="Tls"/>; a Sentinel setup over TLS therefore needs the same certificates on both.
    /// </summary>
    public TlsConfig SentinelTls { get; set; } = new();

    /// <summary><c>replica_client</c>: not supported yet.</summary>
    public JsonNode? ReplicaClient { get; set; }

    /// <summary><c>history_use_lists</c>: kept, not used (history always lives in streams).</summary>
    public bool HistoryUseLists { get; set; }

    /// <summary><c>presence_ttl</c>. Default 60 s.</summary>
    public TimeSpan PresenceTtl { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary><c>presence_hash_field_ttl</c>: kept, not used (presence expiry lives in a sorted set).</summary>
    public bool PresenceHashFieldTtl { get; set; }

    /// <summary><c>presence_user_mapping</c>. Default false.</summary>
    public bool PresenceUserMapping { get; set; }
}

/// <summary><c>broker.nats.*</c>.</summary>
public sealed class NatsConfig
{
    /// <summary><c>url</c>. Default <c>nats://localhost:4222</c>.</summary>
    public string Url { get; set; } = "nats://localhost:4222";

    /// <summary><c>prefix</c> of every subject. Default <c>centrifugo</c>.</summary>
    public string Prefix { get; set; } = "centrifugo";

    /// <summary><c>dial_timeout</c>. Default 1 s.</summary>
    public TimeSpan DialTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary><c>write_timeout</c>. Default 1 s.</summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary><c>tls</c>: TLS to the NATS server, required once enabled (a <c>tls://</c> URL turns it on with the system store too).</summary>
    public TlsConfig Tls { get; set; } = new();

    /// <summary><c>allow_wildcards</c>: not supported.</summary>
    public bool AllowWildcards { get; set; }

    /// <summary><c>raw_mode</c>: not supported yet.</summary>
    public JsonNode? RawMode { get; set; }
}
