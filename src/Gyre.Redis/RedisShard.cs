using StackExchange.Redis;

namespace Gyre.Redis;

/// <summary>
/// One Redis deployment owning a share of the channels: a standalone server, a Sentinel-managed master or a
/// Cluster. StackExchange.Redis keeps one interactive and one PUB/SUB connection per server, reconnects on its own
/// and resubscribes every channel after a reconnect.
/// </summary>
internal sealed class RedisShard : IAsyncDisposable
{
    /// <summary>Hex digits of the replication id kept: 16 (64 bits) make two masters look alike with odds near 2⁻⁶⁴.</summary>
    private const int MasterIdLength = 16;

    private const string ReplicationInfoScript = "return redis.call('info', 'replication')";

    private readonly Lock _masterLock = new();
    private MasterIdentity? _masterId;
    private long _masterGeneration;

    public RedisShard(IConnectionMultiplexer multiplexer, RedisKeys keys, RedisTopology topology, int db)
    {
        Multiplexer = multiplexer;
        Keys = keys;
        Topology = topology;
        Database = multiplexer.GetDatabase(db);
        Subscriber = multiplexer.GetSubscriber();

        // Any of these may mean the master changed (a failover, a restart, a switch announced by the sentinels):
        // the next history script asks the server again before it runs.
        multiplexer.ConnectionFailed += (_, _) => ForgetMaster();
        multiplexer.ConnectionRestored += (_, _) => ForgetMaster();
        multiplexer.ConfigurationChanged += (_, _) => ForgetMaster();
        multiplexer.ConfigurationChangedBroadcast += (_, _) => ForgetMaster();
    }

    public IConnectionMultiplexer Multiplexer { get; }

    /// <summary>The key and channel names of this shard (with hash tags when it is a Cluster).</summary>
    public RedisKeys Keys { get; }

    public RedisTopology Topology { get; }

    public IDatabase Database { get; }

    public ISubscriber Subscriber { get; }

    public bool IsConnected => Multiplexer.IsConnected;

    /// <summary>
    /// Identity of the master serving this shard's keys, passed to the history scripts: the start of its
    /// replication id (<c>master_replid</c>), which Redis renews whenever a server becomes master (a promotion
    /// after failover, a restart, <c>REPLICAOF NO ONE</c>), and of the id it replicated before
    /// (<c>master_replid2</c>), which after a promotion is the old master's. Empty for a Cluster, whose keys live on
    /// several masters, and when the server does not say.
    /// </summary>
    /// <remarks>
    /// Cached: it costs one <c>INFO replication</c> after connecting and after each connection or configuration
    /// event, none in the steady state. A publish queued just before such an event may still carry the previous
    /// identity; the scripts treat the previous identity as stale rather than as a new master, and the next publish
    /// or history read with the current one starts the new epoch.
    /// </remarks>
    public ValueTask<MasterIdentity> MasterIdAsync()
    {
        if (Topology == RedisTopology.Cluster)
        {
            return ValueTask.FromResult(MasterIdentity.Unknown);
        }

        var known = Volatile.Read(ref _masterId);
        return known is not null ? ValueTask.FromResult(known) : new ValueTask<MasterIdentity>(ReadMasterIdAsync());
    }

    private async Task<MasterIdentity> ReadMasterIdAsync()
    {
        var generation = Interlocked.Read(ref _masterGeneration);
        // Through a script: INFO is an admin command to StackExchange.Redis, which would need allowAdmin for all.
        var info = (string?)await Database.ScriptEvaluateAsync(ReplicationInfoScript, flags: CommandFlags.DemandMaster).ConfigureAwait(false) ?? "";
        var id = ParseMasterId(info);
        lock (_masterLock)
        {
            // Not cached when an event came in meanwhile (the answer may be from the old master), nor when the
            // server is not a master (the script would fail with READONLY anyway).
            if (id.Id.Length > 0 && generation == _masterGeneration)
            {
                _masterId = id;
            }
        }

        return id;
    }

    /// <summary>The identity in an <c>INFO replication</c> reply, or <see cref="MasterIdentity.Unknown"/> when the server is not a master.</summary>
    internal static MasterIdentity ParseMasterId(string info)
    {
        var isMaster = false;
        var id = "";
        var previous = "";
        foreach (var raw in info.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line == "role:master")
            {
                isMaster = true;
            }
            else if (line.StartsWith("master_replid:", StringComparison.Ordinal))
            {
                id = Shorten(line["master_replid:".Length..]);
            }
            else if (line.StartsWith("master_replid2:", StringComparison.Ordinal))
            {
                previous = Shorten(line["master_replid2:".Length..]);
            }
        }

        return isMaster ? new MasterIdentity(id, previous) : MasterIdentity.Unknown;

        static string Shorten(string value) => value.Length > MasterIdLength ? value[..MasterIdLength] : value;
    }

    private void ForgetMaster()
    {
        lock (_masterLock)
        {
            _masterGeneration++;
            _masterId = null;
        }
    }

    /// <summary>Topology and endpoints, never credentials: safe for logs.</summary>
    public override string ToString() => $"{Topology} {string.Join(',', Multiplexer.GetEndPoints().Select(e => e.ToString()))}";

    public async ValueTask DisposeAsync() => await Multiplexer.DisposeAsync().ConfigureAwait(false);
}

/// <summary>A master's replication id and the one it replicated before it was promoted (zeros when it never was).</summary>
/// <param name="Id">Start of <c>master_replid</c>; empty when unknown.</param>
/// <param name="PreviousId">Start of <c>master_replid2</c>.</param>
internal sealed record MasterIdentity(string Id, string PreviousId)
{
    public static MasterIdentity Unknown { get; } = new("", "");
}
