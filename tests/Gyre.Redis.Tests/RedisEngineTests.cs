using Google.Protobuf;
using Gyre.Core.Engine;
using Gyre.Protocol.Messages;
using Gyre.Specification.Tests;
using Gyre.Testing;
using StackExchange.Redis;

namespace Gyre.Redis.Tests;

/// <summary>Redis behaviour beyond the shared specifications: key layout, Centrifugo's framing, several nodes on one Redis.</summary>
public sealed class RedisEngineTests(RedisFixture fixture) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private readonly RedisScope _scope = (RedisScope)fixture.CreateScope();
    private ConnectionMultiplexer? _raw;

    private IDatabase Raw => _raw!.GetDatabase();

    public async Task InitializeAsync() => _raw = await ConnectionMultiplexer.ConnectAsync(fixture.Addresses[0]);

    public async Task DisposeAsync()
    {
        await _scope.DisposeAsync();
        await _raw!.DisposeAsync();
    }

    [Fact]
    public async Task HistoryWrittenThroughOneNodeIsReadThroughAnother()
    {
        var a = await _scope.CreateBrokerAsync("node-a");
        var b = await _scope.CreateBrokerAsync("node-b");
        await a.StartAsync(new RecordingHandler(), default).AsTask().DefaultTimeout();
        await b.StartAsync(new RecordingHandler(), default).AsTask().DefaultTimeout();

        var published = await a.PublishAsync("shared", Publication("one"), History(), default).AsTask().DefaultTimeout();
        var history = await b.HistoryAsync("shared", new HistoryOptions { Limit = -1 }, default).AsTask().DefaultTimeout();

        Assert.Equal(published.Position, history.Position);
        Assert.Equal("one", Assert.Single(history.Publications).Data.ToStringUtf8());
    }

    [Fact]
    public async Task TwoPresenceManagersOnOneRedisSeeTheSameEntries()
    {
        var first = await _scope.CreatePresenceManagerAsync(TimeSpan.FromSeconds(60));
        var second = await _scope.CreatePresenceManagerAsync(TimeSpan.FromSeconds(60));

        await first.AddPresenceAsync("room", "c1", new ClientInfo { User = "alice", Client = "c1" }, default).AsTask().DefaultTimeout();
        await second.AddPresenceAsync("room", "c2", new ClientInfo { User = "bob", Client = "c2" }, default).AsTask().DefaultTimeout();

        Assert.Equal(["c1", "c2"], (await first.PresenceAsync("room", default).AsTask().DefaultTimeout()).Keys.Order());
        Assert.Equal(new PresenceStats(2, 2), await second.PresenceStatsAsync("room", default).AsTask().DefaultTimeout());
    }

    [Fact]
    public async Task HistoryLivesInAStreamAndAMetaHashNamedAsInCentrifugo()
    {
        var broker = await _scope.CreateBrokerAsync("node-a");
        await broker.StartAsync(new RecordingHandler(), default).AsTask().DefaultTimeout();

        var result = await broker.PublishAsync("news", Publication("stored"), History(), default).AsTask().DefaultTimeout();

        var meta = await Raw.HashGetAllAsync($"{_scope.Prefix}.stream.meta.news");
        Assert.Equal(result.Position.Epoch, (string?)meta.Single(e => e.Name == "e").Value);
        Assert.Equal(1, (long)meta.Single(e => e.Name == "s").Value);
        var entry = Assert.Single(await Raw.StreamRangeAsync($"{_scope.Prefix}.stream.news"));
        Assert.Equal("1-0", (string?)entry.Id);
        Assert.Equal("stored", Gyre.Protocol.Messages.Publication.Parser.ParseFrom((byte[])entry["d"]!).Data.ToStringUtf8());
    }

    [Fact]
    public async Task HistoryAndMetaKeysGetTheirTtls()
    {
        var broker = await _scope.CreateBrokerAsync("node-a");
        await broker.StartAsync(new RecordingHandler(), default).AsTask().DefaultTimeout();

        await broker.PublishAsync("news", Publication("ttl"), History(ttl: TimeSpan.FromMinutes(5), metaTtl: TimeSpan.FromHours(1)), default).AsTask().DefaultTimeout();

        var streamTtl = await Raw.KeyTimeToLiveAsync($"{_scope.Prefix}.stream.news");
        var metaTtl = await Raw.KeyTimeToLiveAsync($"{_scope.Prefix}.stream.meta.news");
        Assert.InRange(streamTtl!.Value, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));
        Assert.InRange(metaTtl!.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task PublicationInCentrifugosFramingIsDeliveredWithItsPosition()
    {
        var broker = await _scope.CreateBrokerAsync("node-a");
        var handler = new RecordingHandler();
        await broker.StartAsync(handler, default).AsTask().DefaultTimeout();
        await broker.SubscribeAsync("news", default).AsTask().DefaultTimeout();

        byte[] frame = [.. "__p1:42:abcdefgh__"u8, .. Publication("framed").ToByteArray()];
        await Raw.PublishAsync(RedisChannel.Literal($"{_scope.Prefix}.client.news"), frame);

        var received = await handler.NextPublicationAsync();
        Assert.Equal(new StreamPosition(42, "abcdefgh"), received.Position);
        Assert.Equal(42UL, received.Publication.Offset);
        Assert.Equal("framed", received.Publication.Data.ToStringUtf8());
    }

    [Fact]
    public async Task JoinAndLeaveAreFramedAsInCentrifugo()
    {
        var broker = await _scope.CreateBrokerAsync("node-a");
        await broker.StartAsync(new RecordingHandler(), default).AsTask().DefaultTimeout();
        var raw = await _raw!.GetSubscriber().SubscribeAsync(RedisChannel.Literal($"{_scope.Prefix}.client.room"));
        var info = new ClientInfo { User = "alice", Client = "c1" };

        await broker.PublishJoinAsync("room", info, default).AsTask().DefaultTimeout();
        await broker.PublishLeaveAsync("room", info, default).AsTask().DefaultTimeout();

        byte[] join = (await raw.ReadAsync().AsTask().DefaultTimeout()).Message!;
        byte[] leave = (await raw.ReadAsync().AsTask().DefaultTimeout()).Message!;
        Assert.Equal([.. "__j__"u8, .. info.ToByteArray()], join);
        Assert.Equal([.. "__l__"u8, .. info.ToByteArray()], leave);
    }

    [Fact]
    public async Task MalformedMessageIsDroppedAndTheChannelKeepsWorking()
    {
        var broker = await _scope.CreateBrokerAsync("node-a");
        var handler = new RecordingHandler();
        await broker.StartAsync(handler, default).AsTask().DefaultTimeout();
        await broker.SubscribeAsync("news", default).AsTask().DefaultTimeout();

        await Raw.PublishAsync(RedisChannel.Literal($"{_scope.Prefix}.client.news"), "__p1:not-a-number__junk"u8.ToArray());
        await Raw.PublishAsync(RedisChannel.Literal($"{_scope.Prefix}.client.news"), new byte[] { 0xFF, 0xFF, 0xFF });
        await broker.PublishAsync("news", Publication("after"), new PublishOptions(), default).AsTask().DefaultTimeout();

        Assert.Equal("after", (await handler.NextPublicationAsync()).Publication.Data.ToStringUtf8());
    }

    [Fact]
    public async Task ControlMessagesTravelOnCentrifugosControlAndNodeChannels()
    {
        var broker = await _scope.CreateBrokerAsync("node-a");
        await broker.StartAsync(new RecordingHandler(), default).AsTask().DefaultTimeout();
        var control = await _raw!.GetSubscriber().SubscribeAsync(RedisChannel.Literal($"{_scope.Prefix}.control"));
        var node = await _raw.GetSubscriber().SubscribeAsync(RedisChannel.Literal($"{_scope.Prefix}.node.node-b"));

        await broker.PublishControlAsync("all"u8.ToArray(), null, default).AsTask().DefaultTimeout();
        await broker.PublishControlAsync("b"u8.ToArray(), "node-b", default).AsTask().DefaultTimeout();

        Assert.Equal("all", (string?)(await control.ReadAsync().AsTask().DefaultTimeout()).Message);
        Assert.Equal("b", (string?)(await node.ReadAsync().AsTask().DefaultTimeout()).Message);
    }

    [Fact]
    public async Task KeysGoToTheConfiguredDatabase()
    {
        var broker = new RedisBroker(await _scope.ConnectAsync(o => o with { Db = 3 }));
        await using (broker)
        {
            await broker.StartAsync(new RecordingHandler(), default).AsTask().DefaultTimeout();
            await broker.PublishAsync("news", Publication("in db 3"), History(), default).AsTask().DefaultTimeout();
        }

        Assert.True(await _raw!.GetDatabase(3).KeyExistsAsync($"{_scope.Prefix}.stream.news"));
        Assert.False(await Raw.KeyExistsAsync($"{_scope.Prefix}.stream.news"));
    }

    [Fact]
    public async Task BrokerStartedByANodeAnswersToTheNodesId()
    {
        var broker = new RedisBroker(await _scope.ConnectAsync());
        await using var node = new Gyre.Core.Node(Gyre.Core.NodeOptions.Default, broker: broker);

        await node.StartAsync().AsTask().DefaultTimeout();

        Assert.Equal(node.Id, broker.NodeId);
    }

    [Fact]
    public async Task UnreachableRedisFailsTheConnectWithAClearError()
    {
        var options = fixture.Options("unused") with
        {
            Addresses = [$"127.0.0.1:{Specification.Tests.Servers.ServerProcess.FreeLoopbackPort()}"],
            ConnectTimeout = TimeSpan.FromMilliseconds(500),
        };

        await Assert.ThrowsAsync<RedisConnectionException>(() => RedisConnection.ConnectAsync(options).DefaultTimeout());
    }

    private static Publication Publication(string data) => new() { Data = ByteString.CopyFromUtf8(data) };

    private static PublishOptions History(TimeSpan? ttl = null, TimeSpan? metaTtl = null) => new()
    {
        HistorySize = 10,
        HistoryTtl = ttl ?? TimeSpan.FromMinutes(5),
        HistoryMetaTtl = metaTtl ?? TimeSpan.FromHours(1),
    };
}
