using Gyre.Core.Engine;
using Gyre.Specification.Tests;
using Microsoft.Extensions.Time.Testing;

namespace Gyre.Redis.Tests;

/// <summary>
/// One test's prefix on the fixture's servers. Every broker and presence manager gets its own
/// <see cref="RedisConnection"/>, as separate Gyre processes would.
/// </summary>
internal sealed class RedisScope(RedisFixtureBase fixture, string prefix) : IEngineScope
{
    private readonly List<IAsyncDisposable> _engines = [];
    private readonly List<RedisConnection> _connections = [];

    public string Prefix => prefix;

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public async Task<RedisConnection> ConnectAsync(Func<RedisEngineOptions, RedisEngineOptions>? configure = null)
    {
        var options = fixture.Options(prefix);
        var connection = await RedisConnection.ConnectAsync(configure?.Invoke(options) ?? options);
        _connections.Add(connection);
        return connection;
    }

    public async ValueTask<IBroker> CreateBrokerAsync(string nodeId)
    {
        var broker = new RedisBroker(await ConnectAsync(), nodeId);
        _engines.Add(broker);
        return broker;
    }

    public async ValueTask<IPresenceManager> CreatePresenceManagerAsync(TimeSpan ttl)
    {
        var presence = new RedisPresenceManager(await ConnectAsync(o => o with { PresenceTtl = ttl }), Clock);
        _engines.Add(presence);
        return presence;
    }

    /// <summary>
    /// Redis expires keys by its own clock (PEXPIRE), so the time really has to pass: this waits the TTL out plus
    /// 50 ms. It is the passing of a TTL under test, not a sleep standing in for an event.
    /// </summary>
    public async Task LetTtlsPassAsync(TimeSpan duration)
    {
        Clock.Advance(duration);
        await Task.Delay(duration + TimeSpan.FromMilliseconds(50));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var engine in _engines)
        {
            await engine.DisposeAsync();
        }

        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }
}
