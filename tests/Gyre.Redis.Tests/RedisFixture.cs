using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Gyre.Specification.Tests;
using Gyre.Specification.Tests.Servers;

namespace Gyre.Redis.Tests;

/// <summary>
/// Real redis-server processes for one test class, on loopback ports without persistence in private temporary
/// directories, stopped by PID afterwards. Every test gets its own key prefix on them.
/// </summary>
public abstract class RedisFixtureBase : IEngineFixture, IAsyncLifetime
{
    private static readonly Regex ReadyLine = new("Ready to accept connections", RegexOptions.Compiled);

    private readonly List<ServerProcess> _processes = [];

    /// <summary>Every server started, as <c>127.0.0.1:port</c>, masters first.</summary>
    public List<string> Addresses { get; } = [];

    public abstract Task InitializeAsync();

    public async Task DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync();
        }
    }

    public IEngineScope CreateScope() => new RedisScope(this, "gyre-test-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>Options for one test's prefix.</summary>
    public RedisEngineOptions Options(string prefix) => Configure(Topology() with
    {
        Prefix = prefix,
        // Generous for a loaded 2-core CI machine; a healthy local Redis answers in well under a millisecond.
        ConnectTimeout = TimeSpan.FromSeconds(5),
        IoTimeout = TimeSpan.FromSeconds(5),
    });

    /// <summary>Which servers the engine connects to.</summary>
    protected abstract RedisEngineOptions Topology();

    /// <summary>Variants adjust engine options here (sharded PUB/SUB, user mapping).</summary>
    protected virtual RedisEngineOptions Configure(RedisEngineOptions options) => options;

    /// <summary>
    /// Starts one redis-server on a free loopback port; a port taken between probing and binding is retried on
    /// another, 3 times at most. <paramref name="arguments"/> receives the port.
    /// </summary>
    protected async Task<(ServerProcess Process, int Port)> StartRedisAsync(
        Func<int, IEnumerable<string>> arguments, Regex? readyLine = null, Action<DirectoryInfo, int>? prepare = null, bool clusterBus = false)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = clusterBus ? FreePortWithClusterBus() : ServerProcess.FreeLoopbackPort();
            try
            {
                var process = await ServerProcess.StartAsync(
                    "redis-server", "redis-server", arguments(port), readyLine ?? ReadyLine, prepare is null ? null : dir => prepare(dir, port));
                _processes.Add(process);
                Addresses.Add($"127.0.0.1:{port}");
                return (process, port);
            }
            catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
                // Another process took the port after the probe released it; try the next free one.
            }
        }
    }

    /// <summary>Runs redis-cli to completion within the default test timeout and returns what it printed; fails on a non-zero exit.</summary>
    public static async Task<string> RedisCliAsync(IEnumerable<string> arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)
            ?? throw new InvalidOperationException("redis-cli did not start; it comes with the redis-tools package that redis-server depends on.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Gyre.Testing.TestTimeouts.Default);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{await output}\n{await error}");
        }

        return await output;
    }

    /// <summary>Common arguments: loopback only, no RDB or AOF, foreground, files in the private directory.</summary>
    protected static IEnumerable<string> Standalone(int port) =>
        ["--port", Port(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", "{dir}", "--daemonize", "no"];

    protected static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>A port p such that p and its cluster bus port p + 10000 are both free (so p stays below 55536).</summary>
    private static int FreePortWithClusterBus()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(20_000, 30_000);
            if (IsFree(port) && IsFree(port + 10_000))
            {
                return port;
            }
        }

        throw new InvalidOperationException("No free port pair for a Redis Cluster node between 20000 and 40000.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>Standalone servers; <see cref="ServerCount"/> above one makes the engine shard channels over them.</summary>
public class RedisFixture : RedisFixtureBase
{
    protected virtual int ServerCount => 1;

    public override async Task InitializeAsync()
    {
        for (var i = 0; i < ServerCount; i++)
        {
            await StartRedisAsync(Standalone);
        }
    }

    protected override RedisEngineOptions Topology() => new() { Addresses = [.. Addresses] };
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

/// <summary>
/// A Redis Cluster of three masters without replicas, created with <c>redis-cli --cluster create</c>; ready when
/// every node logs that the cluster state changed to ok.
/// </summary>
public class RedisClusterFixture : RedisFixtureBase
{
    private static readonly Regex ClusterOk = new("Cluster state changed: ok", RegexOptions.Compiled);

    public override async Task InitializeAsync()
    {
        var nodes = new List<ServerProcess>();
        for (var i = 0; i < 3; i++)
        {
            var (process, _) = await StartRedisAsync(
                port => [.. Standalone(port), "--cluster-enabled", "yes", "--cluster-config-file", "{dir}/nodes.conf", "--cluster-node-timeout", "5000"],
                clusterBus: true);
            nodes.Add(process);
        }

        await RedisCliAsync(["--cluster", "create", .. Addresses, "--cluster-replicas", "0", "--cluster-yes"]);
        foreach (var node in nodes)
        {
            await node.WaitForLineAsync(ClusterOk);
        }
    }

    protected override RedisEngineOptions Topology() => new() { ClusterAddresses = [string.Join(',', Addresses)] };

}

/// <summary>Cluster with sharded PUB/SUB: a channel's messages travel only through the node owning its slot.</summary>
public sealed class RedisClusterShardedPubSubFixture : RedisClusterFixture
{
    protected override RedisEngineOptions Configure(RedisEngineOptions options) => options with { UseShardedPubSub = true };
}

/// <summary>
/// One master, one replica and one sentinel monitoring them as <c>gyre</c>: the engine asks the sentinel for the
/// master. Ready when the replica finished its first sync and the sentinel monitors the master.
/// </summary>
public abstract class RedisSentinelFixtureBase : RedisFixtureBase
{
    private static readonly Regex ReplicaSynced = new("MASTER <-> REPLICA sync: Finished with success", RegexOptions.Compiled);
    private static readonly Regex Monitoring = new(@"\+monitor master gyre", RegexOptions.Compiled);

    private string _sentinel = "";

    public ServerProcess Master { get; private set; } = null!;

    public int MasterPort { get; private set; }

    public ServerProcess Replica { get; private set; } = null!;

    public int ReplicaPort { get; private set; }

    public ServerProcess Sentinel { get; private set; } = null!;

    public int SentinelPort { get; private set; }

    /// <summary>Starts the three servers; the sentinel declares the master down after <paramref name="downAfter"/>.</summary>
    protected async Task StartTopologyAsync(TimeSpan downAfter, TimeSpan? failoverTimeout = null)
    {
        (Master, MasterPort) = await StartRedisAsync(Standalone);
        (Replica, ReplicaPort) = await StartRedisAsync(port => [.. Standalone(port), "--replicaof", "127.0.0.1", Port(MasterPort)]);
        await Replica.WaitForLineAsync(ReplicaSynced);
        var failover = failoverTimeout is { } timeout ? $"sentinel failover-timeout gyre {(long)timeout.TotalMilliseconds}" : "";
        (Sentinel, SentinelPort) = await StartRedisAsync(
            _ => ["{dir}/sentinel.conf", "--sentinel"],
            Monitoring,
            (dir, port) => File.WriteAllText(Path.Combine(dir.FullName, "sentinel.conf"), $"""
                port {port}
                bind 127.0.0.1
                dir {dir.FullName}
                sentinel monitor gyre 127.0.0.1 {MasterPort} 1
                sentinel down-after-milliseconds gyre {(long)downAfter.TotalMilliseconds}
                {failover}
                """));
        _sentinel = $"127.0.0.1:{SentinelPort}";
    }

    protected override RedisEngineOptions Topology() => new() { SentinelAddresses = [_sentinel], SentinelMasterName = "gyre" };
}

/// <summary>The Sentinel topology in steady state, shared by the specification tests.</summary>
public sealed class RedisSentinelFixture : RedisSentinelFixtureBase
{
    public override Task InitializeAsync() => StartTopologyAsync(TimeSpan.FromSeconds(5));
}

/// <summary>
/// A Sentinel topology a test may break: one master, one replica and one sentinel that declares the master down
/// after 1 s (instead of 5) and gives a failover 2 s, so a promotion completes within a few seconds. One instance
/// per test, since a failover leaves the servers in a different shape.
/// </summary>
public sealed class RedisSentinelFailoverFixture : RedisSentinelFixtureBase
{
    public override async Task InitializeAsync()
    {
        await StartTopologyAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

        // A replica the sentinel has not heard from yet (no run id from its INFO) cannot be promoted: polled every
        // 50 ms for the default test timeout.
        await Sentinel.WaitForLineAsync(new Regex($@"\+slave slave 127\.0\.0\.1:{ReplicaPort} ", RegexOptions.None));
        using var deadline = new CancellationTokenSource(Gyre.Testing.TestTimeouts.Default);
        while (!SentinelKnowsReplica(await RedisCliAsync(["-p", Port(SentinelPort), "SENTINEL", "REPLICAS", "gyre"])))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
        }
    }

    /// <summary>Asks the sentinel to promote the replica, repeating (every 100 ms, for the default test timeout) while it has no suitable one yet.</summary>
    public async Task RequestFailoverAsync()
    {
        using var deadline = new CancellationTokenSource(Gyre.Testing.TestTimeouts.Default);
        while ((await RedisCliAsync(["-p", Port(SentinelPort), "SENTINEL", "FAILOVER", "gyre"])).Trim() != "OK")
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
        }
    }

    /// <summary>Waits until the sentinel announces that the replica replaced the master.</summary>
    public Task WaitForPromotionAsync() =>
        Sentinel.WaitForLineAsync(new Regex($@"\+switch-master gyre 127\.0\.0\.1 {MasterPort} 127\.0\.0\.1 {ReplicaPort}", RegexOptions.None));

    /// <summary>The <c>SENTINEL REPLICAS</c> reply (field and value on alternate lines) lists the replica with its run id and no down flags.</summary>
    private static bool SentinelKnowsReplica(string reply)
    {
        var lines = reply.Split('\n', StringSplitOptions.TrimEntries);
        string? Field(string name) => Array.IndexOf(lines, name) is var i and >= 0 && i + 1 < lines.Length ? lines[i + 1] : null;
        return !string.IsNullOrEmpty(Field("runid")) && Field("flags") == "slave" && Field("master-link-status") == "ok";
    }
}
