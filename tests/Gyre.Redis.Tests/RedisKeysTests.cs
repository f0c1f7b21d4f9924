using StackExchange.Redis;

namespace Gyre.Redis.Tests;

public sealed class RedisKeysTests
{
    [Fact]
    public void StandaloneNamesFollowCentrifugosLayout()
    {
        var keys = new RedisKeys("centrifugo");

        Assert.Equal("centrifugo.client.news", keys.PubSubChannelName("news"));
        Assert.Equal("centrifugo.stream.news", (string?)keys.HistoryStream("news"));
        Assert.Equal("centrifugo.stream.meta.news", (string?)keys.HistoryMeta("news"));
        Assert.Equal("centrifugo.result.news.key-1", (string?)keys.IdempotencyResult("news", "key-1"));
        Assert.Equal("centrifugo.presence.expire.news", (string?)keys.PresenceExpiry("news"));
        Assert.Equal("centrifugo.presence.data.news", (string?)keys.PresenceData("news"));
        Assert.Equal("centrifugo.presence.user.expire.news", (string?)keys.PresenceUserExpiry("news"));
        Assert.Equal("centrifugo.presence.user.clients.news", (string?)keys.PresenceUserClients("news"));
        Assert.Equal("centrifugo.control", keys.ControlChannel.ToString());
        Assert.Equal("centrifugo.node.n1", keys.NodeChannel("n1").ToString());
    }

    [Fact]
    public void ClusterNamesWrapTheChannelInAHashTagSoAChannelsKeysShareASlot()
    {
        var keys = new RedisKeys("gyre", useHashTags: true);

        Assert.Equal("gyre.client.{chat:room}", keys.PubSubChannelName("chat:room"));
        Assert.Equal("gyre.stream.{chat:room}", (string?)keys.HistoryStream("chat:room"));
        Assert.Equal("gyre.stream.meta.{chat:room}", (string?)keys.HistoryMeta("chat:room"));
        Assert.Equal("gyre.result.{chat:room}.k", (string?)keys.IdempotencyResult("chat:room", "k"));
        Assert.Equal("gyre.presence.data.{chat:room}", (string?)keys.PresenceData("chat:room"));
    }

    [Fact]
    public void ShardedPubSubBuildsShardedChannelsAndPublishesWithSpublish()
    {
        var plain = new RedisKeys("gyre");
        var sharded = new RedisKeys("gyre", useShardedPubSub: true);

        Assert.False(plain.PubSubChannel("news").IsSharded);
        Assert.Equal("publish", plain.PublishCommand);
        Assert.True(sharded.PubSubChannel("news").IsSharded);
        Assert.Equal("spublish", sharded.PublishCommand);
        Assert.False(sharded.ControlChannel.IsSharded);
    }

    [Fact]
    public void EmptyPrefixIsRejected() => Assert.ThrowsAny<ArgumentException>(() => new RedisKeys(""));
}
