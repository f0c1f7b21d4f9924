using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gyre.Redis;

/// <summary>
/// The connections to every Redis shard of one configuration, shared by a <see cref="RedisBroker"/> and a
/// <see cref="RedisPresenceManager"/> when both use the same Redis (Centrifugo's <c>engine.type: redis</c>).
/// </summary>
/// <remarks>
/// The creator owns the connection and disposes it after the broker and the presence manager. A channel always
/// maps to the same shard (<see cref="ConsistentHash"/>), so its history, presence and PUB/SUB stay together.
/// </remarks>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly RedisShard[] _shards;

    private RedisConnection(RedisEngineOptions options, RedisShard[] shards)
    {
        Options = options;
        _shards = shards;
    }

    /// <summary>The options the connection was made with.</summary>
    public RedisEngineOptions Options { get; }

    /// <summary>Number of shards channels are spread over.</summary>
    public int ShardCount => _shards.Length;

    /// <summary>True while every shard has a live connection.</summary>
    public bool IsConnected => _shards.All(s => s.IsConnected);

    internal IReadOnlyList<RedisShard> Shards => _shards;

    /// <summary>
    /// Connects to every shard. Fails when a shard cannot be reached within <see cref="RedisEngineOptions.ConnectTimeout"/>
    /// (as Centrifugo refuses to start); once connected, lost connections are re-established in the background.
    /// </summary>
    /// <exception cref="ArgumentException">The options are inconsistent (see the message).</exception>
    /// <exception cref="FormatException">An address is malformed.</exception>
    /// <exception cref="RedisConnectionException">A shard cannot be reached.</exception>
    public static async Task<RedisConnection> ConnectAsync(RedisEngineOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        Validate(options);
        var (entries, topology) =
            options.ClusterAddresses.Count > 0 ? (options.ClusterAddresses, RedisTopology.Cluster)
            : options.SentinelAddresses.Count > 0 ? (options.SentinelAddresses, RedisTopology.Sentinel)
            : (options.Addresses, RedisTopology.Standalone);

        var addresses = entries.Select(e => RedisAddress.Parse(e, topology)).ToList();
        var shards = new List<RedisShard>(addresses.Count);
        try
        {
            foreach (var address in addresses)
            {
                // Checked between shards only: each connect is bounded by ConnectTimeout, and abandoning one
                // mid-way would leak its multiplexer.
                cancellationToken.ThrowIfCancellationRequested();
                shards.Add(await ConnectShardAsync(options, address, loggerFactory).ConfigureAwait(false));
            }
        }
        catch
        {
            foreach (var shard in shards)
            {
                await shard.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        return new RedisConnection(options, [.. shards]);
    }

    /// <summary>
    /// Why an address entry cannot be used, or null when it parses; for configuration checks that must name the key.
    /// </summary>
    /// <param name="entry">One entry of an address list.</param>
    /// <param name="cluster">The entry comes from the Cluster list.</param>
    /// <param name="sentinel">The entry comes from the Sentinel list.</param>
    public static string? AddressProblem(string entry, bool cluster = false, bool sentinel = false)
    {
        try
        {
            _ = RedisAddress.Parse(entry, cluster ? RedisTopology.Cluster : sentinel ? RedisTopology.Sentinel : RedisTopology.Standalone);
            return null;
        }
        catch (FormatException e)
        {
            return e.Message;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var shard in _shards)
        {
            await shard.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal RedisShard ShardFor(string channel) =>
        _shards.Length == 1 ? _shards[0] : _shards[ConsistentHash.Index(channel, _shards.Length)];

    private static async Task<RedisShard> ConnectShardAsync(RedisEngineOptions options, RedisAddress address, ILoggerFactory? loggerFactory)
    {
        var config = new ConfigurationOptions
        {
            // The first connect fails fast with a clear error; afterwards the multiplexer reconnects by itself.
            AbortOnConnectFail = true,
            ConnectTimeout = Milliseconds(options.ConnectTimeout),
            SyncTimeout = Milliseconds(options.IoTimeout),
            AsyncTimeout = Milliseconds(options.IoTimeout),
            User = address.User ?? options.User,
            Password = address.Password ?? options.Password,
            Ssl = address.Tls || options.UseTls || options.Tls is not null,
            ClientName = options.ClientName,
            LoggerFactory = loggerFactory,
        };
        foreach (var (host, port) in address.Endpoints)
        {
            config.EndPoints.Add(host, port);
        }

        if (options.Tls is { } tls)
        {
            config.SslHost = tls.TargetHost;
            config.SslProtocols = tls.EnabledSslProtocols;
            if (tls.LocalCertificateSelectionCallback is { } selection)
            {
                config.CertificateSelection += selection;
            }

            if (tls.RemoteCertificateValidationCallback is { } validation)
            {
                config.CertificateValidation += validation;
            }
        }

        if (address.Topology != RedisTopology.Cluster)
        {
            config.DefaultDatabase = address.Db ?? options.Db;
        }

        if (address.Topology == RedisTopology.Sentinel)
        {
            config.ServiceName = address.MasterName ?? options.SentinelMasterName
                ?? throw new ArgumentException("Redis Sentinel needs a master name: set sentinel_master_name.", nameof(options));
            config.SentinelUser = options.SentinelUser;
            config.SentinelPassword = options.SentinelPassword;
        }

        var multiplexer = await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false);

        // A plain address may still point at a Cluster node; its keys then need hash tags all the same.
        var isCluster = address.Topology == RedisTopology.Cluster
            || multiplexer.GetServers().Any(s => s.ServerType == ServerType.Cluster);
        var keys = new RedisKeys(options.Prefix, useHashTags: isCluster, options.UseShardedPubSub);
        return new RedisShard(multiplexer, keys, isCluster ? RedisTopology.Cluster : address.Topology, config.DefaultDatabase ?? 0);
    }

    private static void Validate(RedisEngineOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(options.Prefix, nameof(options.Prefix));
        if (options.Addresses.Count == 0 && options.ClusterAddresses.Count == 0 && options.SentinelAddresses.Count == 0)
        {
            throw new ArgumentException("No Redis address configured.", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ConnectTimeout, TimeSpan.Zero, nameof(options.ConnectTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.IoTimeout, TimeSpan.Zero, nameof(options.IoTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PresenceTtl, TimeSpan.FromSeconds(1), nameof(options.PresenceTtl));
        ArgumentOutOfRangeException.ThrowIfNegative(options.Db, nameof(options.Db));
    }

    private static int Milliseconds(TimeSpan value) => (int)Math.Min(int.MaxValue, Math.Ceiling(value.TotalMilliseconds));
}
