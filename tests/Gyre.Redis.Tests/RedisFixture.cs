using System.Globalization;
using System.Text.RegularExpressions;
using Gyre.Specification.Tests;
using Gyre.Specification.Tests.Servers;

namespace Gyre.Redis.Tests;

/// <summary>
/// Starts <see cref="ServerCount"/> real redis-server processes on free loopback ports (no persistence, private
/// temporary directories) for one test class, and gives every test its own key prefix on them.
/// </summary>
public class RedisFixture : IEngineFixture, IAsyncLifetime
{
    private static readonly Regex ReadyLine = new("Ready to accept connections", RegexOptions.Compiled);

    private readonly List<(ServerProcess Process, int Port)> _servers = [];

    /// <summary>Loopback addresses of the servers, as <c>127.0.0.1:port</c>.</summary>
    public IReadOnlyList<string> Addresses => [.. _servers.Select(s => $"127.0.0.1:{s.Port}")];

    /// <summary>How many independent servers to start; more than one makes the engine shard channels over them.</summary>
    protected virtual int ServerCount => 1;

    public async Task InitializeAsync()
    {
        for (var i = 0; i < ServerCount; i++)
        {
            _servers.Add(await StartServerAsync());
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var (process, _) in _servers)
        {
            await process.DisposeAsync();
        }
    }

    public IEngineScope CreateScope() => new RedisScope(this, "gyre-test-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>Options for one test's prefix; variants adjust them in <see cref="Configure"/>.</summary>
    public RedisEngineOptions Options(string prefix) => Configure(new RedisEngineOptions
    {
        Addresses = Addresses,
        Prefix = prefix,
        // Generous for a loaded 2-core CI machine; a healthy local Redis answers in well under a millisecond.
        ConnectTimeout = TimeSpan.FromSeconds(5),
        IoTimeout = TimeSpan.FromSeconds(5),
    });

    protected virtual RedisEngineOptions Configure(RedisEngineOptions options) => options;

    /// <summary>Starts one server; a port taken between probing and binding is retried on another port, 3 times at most.</summary>
    private static async Task<(ServerProcess, int)> StartServerAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = ServerProcess.FreeLoopbackPort();
            try
            {
                var process = await ServerProcess.StartAsync(
                    "redis-server",
                    "redis-server",
                    ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", "{dir}", "--daemonize", "no"],
                    ReadyLine);
                return (process, port);
            }
            catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
                // Another process took the port after the probe released it; try the next free one.
            }
        }
    }
}

/// <summary>Channels use sharded PUB/SUB (SPUBLISH/SSUBSCRIBE), which Redis 7 offers outside Cluster too.</summary>
public sealed class RedisShardedPubSubFixture : RedisFixture
{
    protected override RedisEngineOptions Configure(RedisEngineOptions options) => options with { UseShardedPubSub = true };
}

/// <summary>Presence keeps the per-user index, so stats come from two ZCARDs.</summary>
public sealed class RedisUserMappingFixture : RedisFixture
{
    protected override RedisEngineOptions Configure(RedisEngineOptions options) => options with { PresenceUserMapping = true };
}

/// <summary>Two independent servers: channels are spread over them by consistent hashing, control messages rotate.</summary>
public sealed class RedisClientShardingFixture : RedisFixture
{
    protected override int ServerCount => 2;
}
