namespace Gyre.Redis.Tests;

public sealed class ConsistentHashTests
{
    private static readonly string[] Channels = [.. Enumerable.Range(0, 10_000).Select(i => $"chat:room-{i}")];

    [Fact]
    public void OneShardOwnsEverything() => Assert.All(Channels.Take(100), c => Assert.Equal(0, ConsistentHash.Index(c, 1)));

    [Fact]
    public void AChannelAlwaysMapsToTheSameShardInRange()
    {
        foreach (var channel in Channels.Take(1000))
        {
            var index = ConsistentHash.Index(channel, 5);
            Assert.InRange(index, 0, 4);
            Assert.Equal(index, ConsistentHash.Index(channel, 5));
        }
    }

    [Fact]
    public void ChannelsSpreadEvenlyOverShards()
    {
        var counts = Channels.GroupBy(c => ConsistentHash.Index(c, 4)).ToDictionary(g => g.Key, g => g.Count());

        // 10 000 channels over 4 shards: 2 500 each; jump hash stays within a few percent.
        Assert.Equal(4, counts.Count);
        Assert.All(counts.Values, n => Assert.InRange(n, 2_200, 2_800));
    }

    [Fact]
    public void AddingAShardMovesOnlyItsShareOfChannels()
    {
        var moved = Channels.Count(c => ConsistentHash.Index(c, 3) != ConsistentHash.Index(c, 4));

        // Growing from 3 to 4 shards should move about a quarter (2 500) of the channels, all to the new shard.
        Assert.InRange(moved, 2_200, 2_800);
        Assert.All(Channels.Where(c => ConsistentHash.Index(c, 3) != ConsistentHash.Index(c, 4)), c => Assert.Equal(3, ConsistentHash.Index(c, 4)));
    }

    [Fact]
    public void LongAndNonAsciiChannelsHash() =>
        Assert.InRange(ConsistentHash.Index(new string('ж', 1000) + "🙂", 3), 0, 2);
}
