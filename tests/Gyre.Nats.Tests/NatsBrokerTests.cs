using Google.Protobuf;
using Gyre.Core.Engine;
using Gyre.Protocol.Messages;
using Gyre.Specification.Tests;
using Gyre.Testing;
using NATS.Client.Core;

namespace Gyre.Nats.Tests;

/// <summary>NATS behaviour beyond the shared specifications: no history, Centrifugo's subjects and Push framing, channel rules.</summary>
public sealed class NatsBrokerBehaviourTests(NatsFixture fixture) : IClassFixture<NatsFixture>, IAsyncLifetime
{
    private readonly NatsScope _scope = (NatsScope)fixture.CreateScope();
    private NatsConnection? _raw;

    public async Task InitializeAsync()
    {
        _raw = new NatsConnection(new NatsOpts { Url = fixture.Url });
        await _raw.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        await _scope.DisposeAsync();
        await _raw!.DisposeAsync();
    }

    [Fact]
    public async Task HistoryIsNotAvailable()
    {
        var (broker, _) = await StartAsync();

        await Assert.ThrowsAsync<NotSupportedException>(() => broker.HistoryAsync("news", new HistoryOptions { Limit = -1 }, default).AsTask());
        await Assert.ThrowsAsync<NotSupportedException>(() => broker.RemoveHistoryAsync("news", default).AsTask());
    }

    [Fact]
    public async Task PublishWithHistoryOptionsIsDeliveredWithoutAPosition()
    {
        var (broker, handler) = await StartAsync();
        await broker.SubscribeAsync("news", default).AsTask().DefaultTimeout();
        var options = new PublishOptions { HistorySize = 10, HistoryTtl = TimeSpan.FromMinutes(5), IdempotencyKey = "k", IdempotentResultTtl = TimeSpan.FromMinutes(5) };

        var first = await broker.PublishAsync("news", Publication("one"), options, default).AsTask().DefaultTimeout();
        var second = await broker.PublishAsync("news", Publication("two"), options, default).AsTask().DefaultTimeout();

        Assert.Equal(new PublishResult(StreamPosition.None, false), first);
        Assert.Equal(new PublishResult(StreamPosition.None, false), second);
        Assert.Equal(StreamPosition.None, (await handler.NextPublicationAsync()).Position);
        Assert.Equal("two", (await handler.NextPublicationAsync()).Publication.Data.ToStringUtf8());
    }

    [Fact]
    public async Task PublicationTravelsAsAPushOnCentrifugosClientSubject()
    {
        var (broker, _) = await StartAsync();
        await using var raw = await _raw!.SubscribeCoreAsync<byte[]>($"{_scope.Prefix}.client.news", serializer: NatsRawSerializer<byte[]>.Default);
        await _raw.PingAsync();

        await broker.PublishAsync("news", Publication("hello"), new PublishOptions(), default).AsTask().DefaultTimeout();

        var message = await raw.Msgs.ReadAsync().AsTask().DefaultTimeout();
        var push = Push.Parser.ParseFrom(message.Data);
        Assert.Equal(("news", "hello"), (push.Channel, push.Pub.Data.ToStringUtf8()));
    }

    [Fact]
    public async Task PushFromAnotherPublisherIsDelivered()
    {
        var (broker, handler) = await StartAsync();
        await broker.SubscribeAsync("room", default).AsTask().DefaultTimeout();
        var info = new ClientInfo { User = "alice", Client = "c1" };

        await _raw!.PublishAsync($"{_scope.Prefix}.client.room", new Push { Channel = "room", Join = new Join { Info = info } }.ToByteArray(), serializer: NatsRawSerializer<byte[]>.Default);

        Assert.Equal(info, (await handler.NextJoinAsync()).Info);
    }

    [Fact]
    public async Task MalformedMessageIsDroppedAndTheChannelKeepsWorking()
    {
        var (broker, handler) = await StartAsync();
        await broker.SubscribeAsync("news", default).AsTask().DefaultTimeout();

        await _raw!.PublishAsync($"{_scope.Prefix}.client.news", new byte[] { 0xFF, 0xFF, 0xFF }, serializer: NatsRawSerializer<byte[]>.Default);
        await broker.PublishAsync("news", Publication("after"), new PublishOptions(), default).AsTask().DefaultTimeout();

        Assert.Equal("after", (await handler.NextPublicationAsync()).Publication.Data.ToStringUtf8());
    }

    [Theory]
    [InlineData("news.*")]
    [InlineData("news.>")]
    [InlineData("two words")]
    public async Task ChannelsWithSubjectSyntaxAreRefused(string channel)
    {
        var (broker, _) = await StartAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => broker.SubscribeAsync(channel, default).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => broker.PublishAsync(channel, Publication("x"), new PublishOptions(), default).AsTask());
    }

    [Fact]
    public async Task BrokerStartedByANodeAnswersToTheNodesId()
    {
        var broker = new NatsBroker(fixture.Options(_scope.Prefix));
        await using var node = new Gyre.Core.Node(Gyre.Core.NodeOptions.Default, broker: broker);

        await node.StartAsync().AsTask().DefaultTimeout();

        Assert.Equal(node.Id, broker.NodeId);
    }

    [Fact]
    public async Task UnreachableServerFailsTheStart()
    {
        var broker = new NatsBroker(new NatsBrokerOptions
        {
            Url = $"nats://127.0.0.1:{Specification.Tests.Servers.ServerProcess.FreeLoopbackPort()}",
            DialTimeout = TimeSpan.FromMilliseconds(500),
        });
        await using (broker)
        {
            await Assert.ThrowsAnyAsync<NatsException>(() => broker.StartAsync(new RecordingHandler(), default).AsTask().DefaultTimeout());
        }
    }

    private async Task<(IBroker Broker, RecordingHandler Handler)> StartAsync()
    {
        var broker = await _scope.CreateBrokerAsync("node-a");
        var handler = new RecordingHandler();
        await broker.StartAsync(handler, default).AsTask().DefaultTimeout();
        return (broker, handler);
    }

    private static Publication Publication(string data) => new() { Data = ByteString.CopyFromUtf8(data) };
}
