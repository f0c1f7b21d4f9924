using Gyre.Core.Channels;
using Gyre.Protocol.Messages;

namespace Gyre.Core.Tests;

/// <summary>The hub's channel subscriber lists: growth, tombstones and compaction never lose or repeat a subscriber.</summary>
public sealed class HubTests : IAsyncDisposable
{
    private readonly Harness _harness = new();
    private readonly Hub _hub = new();

    public async ValueTask DisposeAsync() => await _harness.DisposeAsync();

    private Subscription NewSubscription(string channel = "room") =>
        new(_harness.NewClient().Client, channel, new ChannelOptions(), serverSide: false) { Active = true };

    private int Broadcast(string channel = "room") =>
        _hub.BroadcastPublication(channel, new Publication { Data = Google.Protobuf.ByteString.CopyFromUtf8("1") }, new Engine.StreamPosition(0, ""));

    [Fact]
    public void EveryLiveSubscriberGetsABroadcastOnceThroughGrowthTombstonesAndCompaction()
    {
        var subscriptions = Enumerable.Range(0, 100).Select(_ => NewSubscription()).ToList();
        Assert.True(_hub.AddSubscription(subscriptions[0]));
        Assert.All(subscriptions.Skip(1), s => Assert.False(_hub.AddSubscription(s)));

        // Half of them leave: enough tombstones to compact the array at least once.
        foreach (var subscription in subscriptions.Where((_, i) => i % 2 == 1))
        {
            Assert.False(_hub.RemoveSubscription(subscription));
        }

        var late = Enumerable.Range(0, 20).Select(_ => NewSubscription()).ToList();
        late.ForEach(s => _hub.AddSubscription(s));

        Assert.Equal(70, Broadcast());
        Assert.Equal(70, _hub.ChannelCounts()["room"]);
        Assert.Equal(70, _hub.Counts().Subscriptions);
    }

    [Fact]
    public void RemovingTwiceOrRemovingAStrangerChangesNothing()
    {
        var first = NewSubscription();
        var second = NewSubscription();
        _hub.AddSubscription(first);
        _hub.AddSubscription(second);

        Assert.False(_hub.RemoveSubscription(first));
        Assert.False(_hub.RemoveSubscription(first));
        Assert.False(_hub.RemoveSubscription(NewSubscription()));
        Assert.False(_hub.RemoveSubscription(NewSubscription("elsewhere")));

        Assert.Equal(1, Broadcast());
        Assert.True(_hub.HasSubscribers("room"));
    }

    [Fact]
    public void TheLastSubscriberLeavingEmptiesTheChannel()
    {
        var subscriptions = Enumerable.Range(0, 30).Select(_ => NewSubscription()).ToList();
        subscriptions.ForEach(s => _hub.AddSubscription(s));

        var emptied = subscriptions.Select(_hub.RemoveSubscription).ToList();

        Assert.Equal([.. Enumerable.Repeat(false, 29), true], emptied);
        Assert.False(_hub.HasSubscribers("room"));
        Assert.Equal(0, Broadcast());
        Assert.True(_hub.AddSubscription(NewSubscription()), "a new first subscriber subscribes the broker again");
    }
}
