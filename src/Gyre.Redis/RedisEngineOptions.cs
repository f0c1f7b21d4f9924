using System.Net.Security;

namespace Gyre.Redis;

/// <summary>
/// How Gyre reaches Redis: the <c>engine.redis</c>, <c>broker.redis</c> and <c>presence_manager.redis</c> sections
/// of Centrifugo v6's configuration, already validated. One record serves the broker and the presence manager.
/// </summary>
/// <remarks>
/// Topology follows from which address list is set: <see cref="ClusterAddresses"/> wins over
/// <see cref="SentinelAddresses"/>, which wins over <see cref="Addresses"/>. In each list every entry is one
/// shard; channels are spread over several shards by consistent hashing, and the nodes of one shard (cluster
/// seeds, sentinels) are comma-separated inside its entry.
/// </remarks>
public sealed record RedisEngineOptions
{
    /// <summary>Centrifugo's defaults: one standalone Redis on <c>127.0.0.1:6379</c>, prefix <c>centrifugo</c>.</summary>
    public static RedisEngineOptions Default { get; } = new();

    /// <summary>
    /// Standalone shards, each <c>host:port</c> or a URL <c>redis://[user[:password]@]host[:port][/db]</c>
    /// (<c>rediss://</c> for TLS; <c>redis+cluster://</c> and <c>redis+sentinel://…?sentinel_master_name=m</c> select
    /// those topologies). Default: <c>redis://127.0.0.1:6379</c>.
    /// </summary>
    public IReadOnlyList<string> Addresses { get; init; } = ["redis://127.0.0.1:6379"];

    /// <summary>Redis Cluster shards: each entry lists seed nodes, comma-separated. Empty by default (no cluster).</summary>
    public IReadOnlyList<string> ClusterAddresses { get; init; } = [];

    /// <summary>Sentinel-managed shards: each entry lists sentinels, comma-separated. Empty by default.</summary>
    public IReadOnlyList<string> SentinelAddresses { get; init; } = [];

    /// <summary>Master name the sentinels monitor; required with <see cref="SentinelAddresses"/>.</summary>
    public string? SentinelMasterName { get; init; }

    /// <summary>ACL user for the sentinels; null when they need none.</summary>
    public string? SentinelUser { get; init; }

    /// <summary>Password for the sentinels; null when they need none.</summary>
    public string? SentinelPassword { get; init; }

    /// <summary>Prefix of every key and PUB/SUB channel, so several applications can share one Redis. Default <c>centrifugo</c>.</summary>
    public string Prefix { get; init; } = "centrifugo";

    /// <summary>Database number for standalone and Sentinel setups (Cluster has only database 0). Default 0.</summary>
    public int Db { get; init; }

    /// <summary>ACL user (Redis 6+); null for the default user.</summary>
    public string? User { get; init; }

    /// <summary>Password; null when the server needs none.</summary>
    public string? Password { get; init; }

    /// <summary>Name shown by <c>CLIENT LIST</c>; null leaves the client library's default.</summary>
    public string? ClientName { get; init; }

    /// <summary>Connects over TLS (also implied by a <c>rediss://</c> address). Default false.</summary>
    public bool UseTls { get; init; }

    /// <summary>
    /// How TLS connections verify the server and which certificate they present: <c>TargetHost</c> (sent as SNI and
    /// checked against the certificate; null for the host dialled), <c>LocalCertificateSelectionCallback</c> and
    /// <c>RemoteCertificateValidationCallback</c> are read. Null uses the system store and no client certificate.
    /// Setting it implies <see cref="UseTls"/>.
    /// </summary>
    public SslClientAuthenticationOptions? Tls { get; init; }

    /// <summary>How long to wait for a connection; Centrifugo's default is 1 s. Must be positive.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a command may take before it fails; Centrifugo's default is 4 s. Must be positive.</summary>
    public TimeSpan IoTimeout { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>
    /// Uses sharded PUB/SUB (<c>SPUBLISH</c>/<c>SSUBSCRIBE</c>, Redis 7+) so that in a cluster a channel's messages
    /// travel only through the node owning its slot instead of being broadcast to every node. Default false.
    /// </summary>
    public bool UseShardedPubSub { get; init; }

    /// <summary>
    /// How long a presence entry lives without a refresh; Centrifugo's default is 60 s, over twice the 27 s
    /// interval at which clients refresh it. Judged in whole seconds; must be at least 1 s.
    /// </summary>
    public TimeSpan PresenceTtl { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Keeps a per-channel user index so presence stats cost two <c>ZCARD</c>s instead of reading every entry.
    /// Costs two more keys per channel and writes on every presence update. Default false, as in Centrifugo.
    /// </summary>
    public bool PresenceUserMapping { get; init; }
}
