using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Gyre.Core;
using Gyre.Core.Engine;
using Gyre.Protocol.Messages;
using Gyre.Specification.Tests;
using Gyre.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Gyre.Redis.Tests;

/// <summary>
/// Sentinel promotes the replica while brokers are connected. Replication is asynchronous, so the old master may
/// have acknowledged publications the new one never received; the stream must then start a new epoch, so a client
/// holding a position from before learns it cannot recover (instead of being handed reused offsets with other
/// data). PUB/SUB must follow the new master.
/// </summary>
public sealed class RedisSentinelFailoverTests : IAsyncLifetime
{
    private const string Channel = "news";

    private static readonly PublishOptions WithHistory = new()
    {
        HistorySize = 100,
        HistoryTtl = TimeSpan.FromMinutes(5),
        HistoryMetaTtl = TimeSpan.FromHours(1),
    };

    private readonly RedisSentinelFailoverFixture _fixture = new();
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly string _prefix = "gyre-test-" + Guid.NewGuid().ToString("N")[..12];

    public Task InitializeAsync() => _fixture.InitializeAsync();

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        // Never leave the replica stopped, or its kill could wait on a frozen process.
        Signal(_fixture.Replica.Pid, "CONT");
        await _fixture.DisposeAsync();
    }

    [Fact]
    public async Task PublicationsLostInFailoverStartANewEpochInsteadOfReusingOffsets()
    {
        var (publisher, _) = await StartNodeAsync("node-a");
        var (subscriber, received) = await StartNodeAsync("node-b");
        await subscriber.SubscribeAsync(Channel, default).AsTask().DefaultTimeout();

        for (var i = 1; i <= 3; i++)
        {
            await publisher.PublishAsync(Channel, Publication($"replicated {i}"), WithHistory, default).AsTask().DefaultTimeout();
        }

        await WaitUntilReplicaHasOffsetAsync(3);

        // Cut the replica off: frozen, and dropped by the master, so nothing published from now on reaches it
        // (not even through the socket buffers it would drain when resumed).
        Signal(_fixture.Replica.Pid, "STOP");
        await RedisFixtureBase.RedisCliAsync(["-p", Port(_fixture.MasterPort), "CLIENT", "KILL", "TYPE", "replica"]);
        var seen = StreamPosition.None;
        for (var i = 4; i <= 6; i++)
        {
            seen = (await publisher.PublishAsync(Channel, Publication($"lost {i}"), WithHistory, default).AsTask().DefaultTimeout()).Position;
        }

        Assert.Equal(6UL, seen.Offset);
        for (var i = 1; i <= 6; i++)
        {
            Assert.Equal((ulong)i, (await received.NextPublicationAsync()).Position.Offset);
        }

        Process.GetProcessById(_fixture.Master.Pid).Kill();
        Signal(_fixture.Replica.Pid, "CONT");
        await _fixture.WaitForPromotionAsync();

        // The scenario under test: the new master holds the meta of the old epoch, without the acknowledged 4–6.
        var meta = await RedisFixtureBase.RedisCliAsync(["-p", Port(_fixture.ReplicaPort), "HMGET", MetaKey(), "e", "s"]);
        Assert.Equal(new[] { seen.Epoch, "3" }, meta.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // New publications through the new master reach the subscribed node, under a new epoch.
        var delivered = await PublishUntilDeliveredAsync(publisher, received, seen.Epoch);
        Assert.True(delivered.Position.Offset <= 20, $"the new epoch starts over at 1, got offset {delivered.Position.Offset}");

        // Publish until the offset passes 6: under the old epoch a client at offset 6 would now "recover" just the
        // newest publication while it never saw the other new ones at offsets 4–6.
        var after = delivered.Position;
        while (after.Offset <= seen.Offset)
        {
            after = (await publisher.PublishAsync(Channel, Publication("after"), WithHistory, default).AsTask().DefaultTimeout()).Position;
            Assert.Equal(delivered.Position.Epoch, after.Epoch);
        }

        var recovery = await publisher.HistoryAsync(Channel, new HistoryOptions { Since = seen, Limit = -1 }, default).AsTask().DefaultTimeout();
        Assert.Equal(after, recovery.Position);
        Assert.NotEqual(seen.Epoch, recovery.Position.Epoch);
    }

    [Fact]
    public async Task CleanFailoverAlsoStartsANewEpochAndDeliveryContinues()
    {
        var (publisher, _) = await StartNodeAsync("node-a");
        var (subscriber, received) = await StartNodeAsync("node-b");
        await subscriber.SubscribeAsync(Channel, default).AsTask().DefaultTimeout();
        var before = StreamPosition.None;
        for (var i = 1; i <= 3; i++)
        {
            before = (await publisher.PublishAsync(Channel, Publication($"replicated {i}"), WithHistory, default).AsTask().DefaultTimeout()).Position;
        }

        await WaitUntilReplicaHasOffsetAsync(3);

        await _fixture.RequestFailoverAsync();
        await _fixture.WaitForPromotionAsync();

        // Gyre cannot tell a clean promotion from one that lost acknowledged writes, so positions from before
        // become unrecoverable either way; delivery goes on through the new master.
        var delivered = await PublishUntilDeliveredAsync(publisher, received, before.Epoch);
        var next = await publisher.PublishAsync(Channel, Publication("next"), WithHistory, default).AsTask().DefaultTimeout();
        Assert.Equal(delivered.Position.Epoch, next.Position.Epoch);
        Assert.True(next.Position.Offset > delivered.Position.Offset);

        // Earlier attempts may still be on their way; the subscriber must get this one, in the same epoch.
        ReceivedPublication arrived;
        do
        {
            arrived = await received.NextPublicationAsync();
        }
        while (arrived.Position != next.Position && arrived.Position.Offset < next.Position.Offset);

        Assert.Equal(next.Position, arrived.Position);
    }

    [Fact]
    public async Task HealthTurnsBadWhileTheMasterIsGoneAndGoodThroughTheNewOne()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var connection = await RedisConnection.ConnectAsync(_fixture.Options(_prefix));
        _owned.Add(connection);
        var node = new Node(new NodeOptions(), time: clock, broker: new RedisBroker(connection));
        _owned.Add(node);
        await node.StartAsync();
        await WaitUntilAsync(() => node.BrokerHealthy, clock);

        Process.GetProcessById(_fixture.Master.Pid).Kill();

        // An announcement already on its way back may still land once; after that nothing comes back and the node
        // turns red when its last one is older than the expiry.
        clock.Advance(Node.NodeExpiry + TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => !node.BrokerHealthy, clock);

        // Green again only when an announcement went out through the new master and came back over the control
        // subscription there: a PUB/SUB connection left on the dead master would keep it red.
        await _fixture.WaitForPromotionAsync();
        await WaitUntilAsync(() => node.BrokerHealthy, clock);
    }

    /// <summary>
    /// Advances the node's clock by one announce interval at a time (firing an announcement) and gives each up to
    /// 250 ms to come back, until <paramref name="condition"/> holds; bounded by twice the default test timeout.
    /// </summary>
    private static async Task WaitUntilAsync(Func<bool> condition, FakeTimeProvider clock)
    {
        using var deadline = new CancellationTokenSource(TestTimeouts.Default * 2);
        while (!condition())
        {
            clock.Advance(Node.AnnounceInterval);
            for (var waited = 0; waited < 250 && !condition(); waited += 10)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10), deadline.Token);
            }
        }
    }

    private async Task<(IBroker, RecordingHandler)> StartNodeAsync(string nodeId)
    {
        var connection = await RedisConnection.ConnectAsync(_fixture.Options(_prefix));
        var broker = new RedisBroker(connection, nodeId);
        _owned.Add(connection);
        _owned.Add(broker);
        var handler = new RecordingHandler();
        await broker.StartAsync(handler, default).AsTask().DefaultTimeout();
        return (broker, handler);
    }

    private string MetaKey() => new RedisKeys(_prefix, useHashTags: false, useShardedPubSub: false).HistoryMeta(Channel).ToString();

    /// <summary>Polls the replica (every 20 ms, for the default test timeout) until the stream meta there reached <paramref name="offset"/>.</summary>
    private async Task WaitUntilReplicaHasOffsetAsync(ulong offset)
    {
        var expected = offset.ToString(CultureInfo.InvariantCulture);
        using var deadline = new CancellationTokenSource(TestTimeouts.Default);
        while ((await RedisFixtureBase.RedisCliAsync(["-p", Port(_fixture.ReplicaPort), "HGET", MetaKey(), "s"])).Trim() != expected)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), deadline.Token);
        }
    }

    /// <summary>
    /// Publishes until the subscribed node receives a publication of another epoch than <paramref name="oldEpoch"/>,
    /// which only the new master can have written: the brokers switch to it and resubscribe on their own schedule,
    /// PUB/SUB drops what is published before the SUBSCRIBE lands, and until the sentinel demotes a live old master
    /// it still accepts (and then loses) publications of the old epoch. Each attempt waits up to 250 ms for a
    /// delivery event; the whole wait is bounded by twice the default test timeout.
    /// </summary>
    private static async Task<ReceivedPublication> PublishUntilDeliveredAsync(IBroker publisher, RecordingHandler subscriber, string oldEpoch)
    {
        using var deadline = new CancellationTokenSource(TestTimeouts.Default * 2);
        for (var attempt = 0; ; attempt++)
        {
            deadline.Token.ThrowIfCancellationRequested();
            try
            {
                await publisher.PublishAsync(Channel, Publication($"attempt {attempt}"), WithHistory, default);
            }
            catch (StackExchange.Redis.RedisException)
            {
                // Still switching to the new master.
            }

            while (await subscriber.NextPublicationWithinAsync(TimeSpan.FromMilliseconds(250)) is { } delivered)
            {
                if (delivered.Position.Epoch != oldEpoch)
                {
                    return delivered;
                }
            }
        }
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static Publication Publication(string data) => new() { Data = ByteString.CopyFromUtf8(data) };
}
