using Gyre.Core.Engine;
using Gyre.Nats;
using Gyre.Redis;

namespace Gyre.Server.Hosting;

/// <summary>
/// Which broker and presence manager a node runs. A null half is the node's own memory engine. When the broker and
/// the presence manager use equal Redis options, they share one connection (Centrifugo's <c>engine.type: redis</c>).
/// </summary>
public sealed record EngineSettings
{
    /// <summary>One node, everything in memory.</summary>
    public static EngineSettings Memory { get; } = new();

    /// <summary>The Redis broker's options, or null.</summary>
    public RedisEngineOptions? BrokerRedis { get; init; }

    /// <summary>The NATS broker's options, or null. Wins over <see cref="BrokerRedis"/> when both are set.</summary>
    public NatsBrokerOptions? BrokerNats { get; init; }

    /// <summary>The Redis presence manager's options, or null.</summary>
    public RedisEngineOptions? PresenceRedis { get; init; }

    /// <summary>How the startup log names the engine: <c>memory</c>, <c>redis</c>, <c>nats broker + redis presence</c>…</summary>
    public string Description
    {
        get
        {
            var broker = BrokerNats is not null ? "nats" : BrokerRedis is not null ? "redis" : "memory";
            var presence = PresenceRedis is not null ? "redis" : "memory";
            return broker == presence ? broker : $"{broker} broker + {presence} presence";
        }
    }
}

/// <summary>
/// The connected broker and presence manager of one node, and the Redis connections under them. The node disposes the
/// broker and the presence manager; this object then closes the connections, so dispose it after the application.
/// </summary>
public sealed class GyreEngine : IAsyncDisposable
{
    private readonly List<RedisConnection> _connections;

    private GyreEngine(IBroker? broker, IPresenceManager? presence, List<RedisConnection> connections)
    {
        Broker = broker;
        Presence = presence;
        _connections = connections;
    }

    /// <summary>The broker, or null for the memory broker.</summary>
    public IBroker? Broker { get; }

    /// <summary>The presence manager, or null for the memory presence manager.</summary>
    public IPresenceManager? Presence { get; }

    /// <summary>
    /// Connects to Redis (within its connect timeout; an unreachable Redis fails the start, as in Centrifugo) and creates
    /// the broker and presence manager. NATS connects when the node starts the broker.
    /// </summary>
    public static async Task<GyreEngine> CreateAsync(EngineSettings settings, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var connections = new List<RedisConnection>();
        try
        {
            RedisConnection? brokerConnection = null;
            if (settings.BrokerNats is null && settings.BrokerRedis is { } brokerRedis)
            {
                brokerConnection = await RedisConnection.ConnectAsync(brokerRedis, loggerFactory, cancellationToken).ConfigureAwait(false);
                connections.Add(brokerConnection);
            }

            RedisConnection? presenceConnection = null;
            if (settings.PresenceRedis is { } presenceRedis)
            {
                if (brokerConnection is not null && presenceRedis == settings.BrokerRedis)
                {
                    presenceConnection = brokerConnection;
                }
                else
                {
                    presenceConnection = await RedisConnection.ConnectAsync(presenceRedis, loggerFactory, cancellationToken).ConfigureAwait(false);
                    connections.Add(presenceConnection);
                }
            }

            IBroker? broker = settings.BrokerNats is { } nats ? new NatsBroker(nats, loggerFactory: loggerFactory)
                : brokerConnection is not null ? new RedisBroker(brokerConnection, loggerFactory: loggerFactory)
                : null;
            IPresenceManager? presence = presenceConnection is not null ? new RedisPresenceManager(presenceConnection) : null;
            return new GyreEngine(broker, presence, connections);
        }
        catch
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _connections.Clear();
    }
}
