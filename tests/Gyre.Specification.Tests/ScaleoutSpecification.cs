using Gyre.Testing;

namespace Gyre.Specification.Tests;

/// <summary>
/// What a broker that connects nodes does (Redis, NATS): two brokers on one backend namespace are two nodes, and
/// each receives a channel's events only while subscribed. "Nothing arrived" is asserted after a later marker
/// event has arrived on the same node, never after a sleep.
/// </summary>
public abstract class ScaleoutSpecification<TFixture>(TFixture fixture) : EngineSpecification<TFixture>(fixture)
    where TFixture : class, IEngineFixture
{
    [Fact]
    public async Task PublicationOnOneNodeReachesAnotherSubscribedNode()
    {
        var (a, _) = await StartNodeAsync("node-a");
        var (b, onB) = await StartNodeAsync("node-b");
        await b.SubscribeAsync("news", default).AsTask().DefaultTimeout();

        await a.PublishAsync("news", NewPublication("from a"), WithoutHistory(), default).AsTask().DefaultTimeout();

        var received = await onB.NextPublicationAsync();
        Assert.Equal(("news", "from a"), (received.Channel, Text(received.Publication)));
    }

    [Fact]
    public async Task PublicationReachesEverySubscribedNodeOnce()
    {
        var (a, onA) = await StartNodeAsync("node-a");
        var (b, onB) = await StartNodeAsync("node-b");
        await a.SubscribeAsync("news", default).AsTask().DefaultTimeout();
        await b.SubscribeAsync("news", default).AsTask().DefaultTimeout();
        await a.SubscribeAsync("marker", default).AsTask().DefaultTimeout();
        await b.SubscribeAsync("marker", default).AsTask().DefaultTimeout();

        await b.PublishAsync("news", NewPublication("once"), WithoutHistory(), default).AsTask().DefaultTimeout();
        await b.PublishAsync("marker", NewPublication("marker"), WithoutHistory(), default).AsTask().DefaultTimeout();

        foreach (var handler in new[] { onA, onB })
        {
            var seen = new List<string>();
            for (var i = 0; i < 2; i++)
            {
                var received = await handler.NextPublicationAsync();
                seen.Add($"{received.Channel}:{Text(received.Publication)}");
            }

            Assert.Equal(["marker:marker", "news:once"], seen.Order());
            Assert.False(handler.TryNextPublication(out _));
        }
    }

    [Fact]
    public async Task NodeThatNeverSubscribedReceivesNothing()
    {
        var (a, _) = await StartNodeAsync("node-a");
        var (b, onB) = await StartNodeAsync("node-b");
        await b.SubscribeAsync("marker", default).AsTask().DefaultTimeout();

        await a.PublishAsync("news", NewPublication("not for b"), WithoutHistory(), default).AsTask().DefaultTimeout();
        await a.PublishAsync("marker", NewPublication("marker"), WithoutHistory(), default).AsTask().DefaultTimeout();

        Assert.Equal("marker", (await onB.NextPublicationAsync()).Channel);
        Assert.False(onB.TryNextPublication(out _));
    }

    [Fact]
    public async Task NodeReceivesNothingAfterItUnsubscribed()
    {
        var (a, _) = await StartNodeAsync("node-a");
        var (b, onB) = await StartNodeAsync("node-b");
        await b.SubscribeAsync("news", default).AsTask().DefaultTimeout();
        await b.SubscribeAsync("marker", default).AsTask().DefaultTimeout();
        await a.PublishAsync("news", NewPublication("before"), WithoutHistory(), default).AsTask().DefaultTimeout();
        Assert.Equal("before", Text((await onB.NextPublicationAsync()).Publication));

        await b.UnsubscribeAsync("news", default).AsTask().DefaultTimeout();
        await a.PublishAsync("news", NewPublication("after"), WithoutHistory(), default).AsTask().DefaultTimeout();
        await a.PublishAsync("marker", NewPublication("marker"), WithoutHistory(), default).AsTask().DefaultTimeout();

        Assert.Equal("marker", (await onB.NextPublicationAsync()).Channel);
        Assert.False(onB.TryNextPublication(out _));
    }

    [Fact]
    public async Task NodeThatSubscribesAgainReceivesAgain()
    {
        var (a, _) = await StartNodeAsync("node-a");
        var (b, onB) = await StartNodeAsync("node-b");
        await b.SubscribeAsync("news", default).AsTask().DefaultTimeout();
        await b.UnsubscribeAsync("news", default).AsTask().DefaultTimeout();
        await b.SubscribeAsync("news", default).AsTask().DefaultTimeout();

        await a.PublishAsync("news", NewPublication("again"), WithoutHistory(), default).AsTask().DefaultTimeout();

        Assert.Equal("again", Text((await onB.NextPublicationAsync()).Publication));
    }

    [Fact]
    public async Task JoinAndLeaveOnOneNodeReachAnotherSubscribedNode()
    {
        var (a, _) = await StartNodeAsync("node-a");
        var (b, onB) = await StartNodeAsync("node-b");
        await b.SubscribeAsync("room", default).AsTask().DefaultTimeout();
        var info = NewInfo("carol", "client-3");

        await a.PublishJoinAsync("room", info, default).AsTask().DefaultTimeout();
        await a.PublishLeaveAsync("room", info, default).AsTask().DefaultTimeout();

        Assert.Equal(info, (await onB.NextJoinAsync()).Info);
        Assert.Equal(info, (await onB.NextLeaveAsync()).Info);
    }

    [Fact]
    public async Task ControlMessageForAllNodesReachesEveryNode()
    {
        var (a, onA) = await StartNodeAsync("node-a");
        var (_, onB) = await StartNodeAsync("node-b");

        await a.PublishControlAsync("everyone"u8.ToArray(), targetNode: null, default).AsTask().DefaultTimeout();

        Assert.Equal("everyone", Text(await onA.NextControlAsync()));
        Assert.Equal("everyone", Text(await onB.NextControlAsync()));
    }

    [Fact]
    public async Task ControlMessageForOneNodeReachesOnlyThatNode()
    {
        var (a, onA) = await StartNodeAsync("node-a");
        var (_, onB) = await StartNodeAsync("node-b");

        await a.PublishControlAsync("for b"u8.ToArray(), targetNode: "node-b", default).AsTask().DefaultTimeout();
        await a.PublishControlAsync("for a"u8.ToArray(), targetNode: "node-a", default).AsTask().DefaultTimeout();

        Assert.Equal("for b", Text(await onB.NextControlAsync()));
        Assert.Equal("for a", Text(await onA.NextControlAsync()));
        Assert.False(onA.TryNextControl(out _));
        Assert.False(onB.TryNextControl(out _));
    }
}
