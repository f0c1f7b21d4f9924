using Gyre.Testing;

namespace Gyre.Specification.Tests;

/// <summary>
/// What every broker does on a single node, the memory broker included: delivery to the node's handler of
/// publications, joins, leaves and control messages, in publish order.
/// </summary>
public abstract class BrokerSpecification<TFixture>(TFixture fixture) : EngineSpecification<TFixture>(fixture)
    where TFixture : class, IEngineFixture
{
    [Fact]
    public async Task PublicationReachesTheHandlerOfASubscribedNode()
    {
        var (broker, handler) = await StartNodeAsync();
        await broker.SubscribeAsync("news", default).AsTask().DefaultTimeout();

        await broker.PublishAsync("news", NewPublication("hello"), WithoutHistory(), default).AsTask().DefaultTimeout();

        var received = await handler.NextPublicationAsync();
        Assert.Equal("news", received.Channel);
        Assert.Equal("hello", Text(received.Publication));
    }

    [Fact]
    public async Task PublicationKeepsItsTagsAndPublisherInfo()
    {
        var (broker, handler) = await StartNodeAsync();
        await broker.SubscribeAsync("news", default).AsTask().DefaultTimeout();
        var info = NewInfo("alice", "client-1");

        await broker.PublishAsync("news", NewPublication("tagged", new Dictionary<string, string> { ["kind"] = "note", ["lang"] = "en" }, info), WithoutHistory(), default).AsTask().DefaultTimeout();

        var received = await handler.NextPublicationAsync();
        Assert.Equal("note", received.Publication.Tags["kind"]);
        Assert.Equal("en", received.Publication.Tags["lang"]);
        Assert.Equal(info, received.Publication.Info);
    }

    [Fact]
    public async Task PublishWithoutHistoryReturnsNoStreamPosition()
    {
        var (broker, handler) = await StartNodeAsync();
        await broker.SubscribeAsync("news", default).AsTask().DefaultTimeout();

        var result = await broker.PublishAsync("news", NewPublication("plain"), WithoutHistory(), default).AsTask().DefaultTimeout();

        Assert.Equal(StreamPosition.None, result.Position);
        Assert.False(result.Suppressed);
        var received = await handler.NextPublicationAsync();
        Assert.Equal(StreamPosition.None, received.Position);
        Assert.Equal(0UL, received.Publication.Offset);
    }

    [Fact]
    public async Task PublicationsOfOneChannelArriveInPublishOrder()
    {
        const int Count = 200;
        var (broker, handler) = await StartNodeAsync();
        await broker.SubscribeAsync("ordered", default).AsTask().DefaultTimeout();

        for (var i = 0; i < Count; i++)
        {
            await broker.PublishAsync("ordered", NewPublication(i.ToString()), WithoutHistory(), default).AsTask().DefaultTimeout();
        }

        for (var i = 0; i < Count; i++)
        {
            Assert.Equal(i.ToString(), Text((await handler.NextPublicationAsync()).Publication));
        }
    }

    [Fact]
    public async Task JoinAndLeaveReachTheHandlerOfASubscribedNode()
    {
        var (broker, handler) = await StartNodeAsync();
        await broker.SubscribeAsync("room", default).AsTask().DefaultTimeout();
        var info = NewInfo("bob", "client-2");

        await broker.PublishJoinAsync("room", info, default).AsTask().DefaultTimeout();
        await broker.PublishLeaveAsync("room", info, default).AsTask().DefaultTimeout();

        var join = await handler.NextJoinAsync();
        var leave = await handler.NextLeaveAsync();
        Assert.Equal(("room", info), (join.Channel, join.Info));
        Assert.Equal(("room", info), (leave.Channel, leave.Info));
    }

    [Fact]
    public async Task ControlMessageForAllNodesReachesThePublishingNodeToo()
    {
        var (broker, handler) = await StartNodeAsync("node-a");

        await broker.PublishControlAsync("to everyone"u8.ToArray(), targetNode: null, default).AsTask().DefaultTimeout();

        Assert.Equal("to everyone", Text(await handler.NextControlAsync()));
    }

    [Fact]
    public async Task ControlMessageForThisNodeReachesIt()
    {
        var (broker, handler) = await StartNodeAsync("node-a");

        await broker.PublishControlAsync("just you"u8.ToArray(), targetNode: "node-a", default).AsTask().DefaultTimeout();

        Assert.Equal("just you", Text(await handler.NextControlAsync()));
    }

    [Fact]
    public async Task ControlSubscriptionsOutliveAGarbageCollection()
    {
        var (broker, handler) = await StartNodeAsync("node-a");

        // A client library may hold subscriptions weakly (NATS.Client.Core does): the broker must keep them alive.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        await broker.PublishControlAsync("after gc"u8.ToArray(), targetNode: null, default).AsTask().DefaultTimeout();
        await broker.PublishControlAsync("after gc, for you"u8.ToArray(), targetNode: "node-a", default).AsTask().DefaultTimeout();

        // Two subjects (channels in Redis), so no order between them.
        string[] received = [Text(await handler.NextControlAsync()), Text(await handler.NextControlAsync())];
        Assert.Equal(["after gc", "after gc, for you"], received.Order(StringComparer.Ordinal));
    }
}
