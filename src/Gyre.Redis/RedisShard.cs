using StackExchange.Redis;

namespace Gyre.Redis;

/// <summary>
/// One Redis deployment owning a share of the channels: a standalone server, a Sentinel-managed master or a
/// Cluster. StackExchange.Redis keeps one interactive and one PUB/SUB connection per server, reconnects on its own
/// and resubscribes every channel after a reconnect.
/// </summary>
internal sealed class RedisShard : IAsyncDisposable
{
    public RedisShard(IConnectionMultiplexer multiplexer, RedisKeys keys, RedisTopology topology, int db)
    {
        Multiplexer = multiplexer;
        Keys = keys;
        Topology = topology;
        Database = multiplexer.GetDatabase(db);
        Subscriber = multiplexer.GetSubscriber();
    }

    public IConnectionMultiplexer Multiplexer { get; }

    /// <summary>The key and channel names of this shard (with hash tags when it is a Cluster).</summary>
    public RedisKeys Keys { get; }

    public RedisTopology Topology { get; }

    public IDatabase Database { get; }

    public ISubscriber Subscriber { get; }

    public bool IsConnected => Multiplexer.IsConnected;

    /// <summary>Topology and endpoints, never credentials: safe for logs.</summary>
    public override string ToString() => $"{Topology} {string.Join(',', Multiplexer.GetEndPoints().Select(e => e.ToString()))}";

    public async ValueTask DisposeAsync() => await Multiplexer.DisposeAsync().ConfigureAwait(false);
}
