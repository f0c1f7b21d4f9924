using Gyre.Core.Engine;
using Gyre.Testing;

namespace Gyre.Specification.Tests;

/// <summary>
/// What a broker with history does (memory, Redis): offsets from 1 that grow by one, a stable 8-letter epoch,
/// reads by position, trimming by size and TTL, idempotent publishes and removal that keeps the position.
/// </summary>
public abstract class HistorySpecification<TFixture>(TFixture fixture) : EngineSpecification<TFixture>(fixture)
    where TFixture : class, IEngineFixture
{
    /// <summary>1 s: long enough that a loaded CI machine reads history before it expires, short enough to wait out.</summary>
    protected static readonly TimeSpan ShortTtl = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task OffsetsStartAtOneAndGrowByOneWithAStableEpoch()
    {
        var (broker, _) = await StartNodeAsync();

        var results = new List<PublishResult>();
        for (var i = 0; i < 5; i++)
        {
            results.Add(await broker.PublishAsync("stream", NewPublication($"p{i}"), WithHistory(), default).AsTask().DefaultTimeout());
        }

        Assert.Equal([1UL, 2, 3, 4, 5], results.Select(r => r.Position.Offset));
        var epoch = results[0].Position.Epoch;
        Assert.Matches("^[a-zA-Z]{8}$", epoch);
        Assert.All(results, r => Assert.Equal(epoch, r.Position.Epoch));
        Assert.All(results, r => Assert.False(r.Suppressed));
    }

    [Fact]
    public async Task SubscribedNodeReceivesEachPublicationWithItsPosition()
    {
        var (broker, handler) = await StartNodeAsync();
        await broker.SubscribeAsync("stream", default).AsTask().DefaultTimeout();

        var first = await broker.PublishAsync("stream", NewPublication("one"), WithHistory(), default).AsTask().DefaultTimeout();
        var second = await broker.PublishAsync("stream", NewPublication("two"), WithHistory(), default).AsTask().DefaultTimeout();

        foreach (var expected in new[] { first.Position, second.Position })
        {
            var received = await handler.NextPublicationAsync();
            Assert.Equal(expected, received.Position);
            Assert.Equal(expected.Offset, received.Publication.Offset);
        }
    }

    [Fact]
    public async Task HistoryReturnsEveryPublicationInOffsetOrderWithTheTopPosition()
    {
        var (broker, _) = await StartNodeAsync();
        var last = await PublishManyAsync(broker, "stream", 4);

        var history = await broker.HistoryAsync("stream", new HistoryOptions { Limit = -1 }, default).AsTask().DefaultTimeout();

        Assert.Equal(["p1", "p2", "p3", "p4"], history.Publications.Select(Text));
        Assert.Equal([1UL, 2, 3, 4], history.Publications.Select(p => p.Offset));
        Assert.Equal(last, history.Position);
    }

    [Fact]
    public async Task HistorySinceAPositionReturnsOnlyLaterPublications()
    {
        var (broker, _) = await StartNodeAsync();
        var last = await PublishManyAsync(broker, "stream", 5);

        var history = await broker.HistoryAsync("stream", new HistoryOptions { Since = last with { Offset = 2 }, Limit = -1 }, default).AsTask().DefaultTimeout();

        Assert.Equal([3UL, 4, 5], history.Publications.Select(p => p.Offset));
    }

    [Fact]
    public async Task HistorySinceTheTopReturnsNothing()
    {
        var (broker, _) = await StartNodeAsync();
        var last = await PublishManyAsync(broker, "stream", 3);

        var history = await broker.HistoryAsync("stream", new HistoryOptions { Since = last, Limit = -1 }, default).AsTask().DefaultTimeout();

        Assert.Empty(history.Publications);
        Assert.Equal(last, history.Position);
    }

    [Fact]
    public async Task HistoryLimitReturnsTheOldestPublicationsFirst()
    {
        var (broker, _) = await StartNodeAsync();
        await PublishManyAsync(broker, "stream", 5);

        var history = await broker.HistoryAsync("stream", new HistoryOptions { Limit = 2 }, default).AsTask().DefaultTimeout();

        Assert.Equal([1UL, 2], history.Publications.Select(p => p.Offset));
    }

    [Fact]
    public async Task HistorySinceWithLimitReturnsTheNextPublications()
    {
        var (broker, _) = await StartNodeAsync();
        var last = await PublishManyAsync(broker, "stream", 6);

        var history = await broker.HistoryAsync("stream", new HistoryOptions { Since = last with { Offset = 2 }, Limit = 2 }, default).AsTask().DefaultTimeout();

        Assert.Equal([3UL, 4], history.Publications.Select(p => p.Offset));
    }

    [Fact]
    public async Task ReverseHistoryReturnsTheNewestFirst()
    {
        var (broker, _) = await StartNodeAsync();
        await PublishManyAsync(broker, "stream", 5);

        var all = await broker.HistoryAsync("stream", new HistoryOptions { Limit = -1, Reverse = true }, default).AsTask().DefaultTimeout();
        var newestTwo = await broker.HistoryAsync("stream", new HistoryOptions { Limit = 2, Reverse = true }, default).AsTask().DefaultTimeout();

        Assert.Equal([5UL, 4, 3, 2, 1], all.Publications.Select(p => p.Offset));
        Assert.Equal([5UL, 4], newestTwo.Publications.Select(p => p.Offset));
    }

    [Fact]
    public async Task ReverseHistorySinceAPositionReturnsEarlierPublicationsNewestFirst()
    {
        var (broker, _) = await StartNodeAsync();
        var last = await PublishManyAsync(broker, "stream", 5);

        var history = await broker.HistoryAsync("stream", new HistoryOptions { Since = last with { Offset = 4 }, Limit = 2, Reverse = true }, default).AsTask().DefaultTimeout();
        var beforeFirst = await broker.HistoryAsync("stream", new HistoryOptions { Since = last with { Offset = 1 }, Limit = -1, Reverse = true }, default).AsTask().DefaultTimeout();

        Assert.Equal([3UL, 2], history.Publications.Select(p => p.Offset));
        Assert.Empty(beforeFirst.Publications);
    }

    [Fact]
    public async Task LimitZeroReturnsOnlyThePosition()
    {
        var (broker, _) = await StartNodeAsync();
        var last = await PublishManyAsync(broker, "stream", 3);

        var history = await broker.HistoryAsync("stream", new HistoryOptions { Limit = 0 }, default).AsTask().DefaultTimeout();

        Assert.Empty(history.Publications);
        Assert.Equal(last, history.Position);
    }

    [Fact]
    public async Task ChannelWithoutPublicationsHasOffsetZeroAndAnEpochThatStays()
    {
        var (broker, _) = await StartNodeAsync();

        var first = await broker.HistoryAsync("empty", new HistoryOptions { Limit = -1, MetaTtl = TimeSpan.FromHours(1) }, default).AsTask().DefaultTimeout();
        var second = await broker.HistoryAsync("empty", new HistoryOptions { Limit = -1, MetaTtl = TimeSpan.FromHours(1) }, default).AsTask().DefaultTimeout();
        var published = await broker.PublishAsync("empty", NewPublication("first"), WithHistory(), default).AsTask().DefaultTimeout();

        Assert.Empty(first.Publications);
        Assert.Equal(0UL, first.Position.Offset);
        Assert.Matches("^[a-zA-Z]{8}$", first.Position.Epoch);
        Assert.Equal(first.Position, second.Position);
        Assert.Equal(new StreamPosition(1, first.Position.Epoch), published.Position);
    }

    [Fact]
    public async Task HistorySizeKeepsOnlyTheNewestPublications()
    {
        var (broker, _) = await StartNodeAsync();
        for (var i = 1; i <= 5; i++)
        {
            await broker.PublishAsync("stream", NewPublication($"p{i}"), WithHistory(size: 3), default).AsTask().DefaultTimeout();
        }

        var history = await broker.HistoryAsync("stream", new HistoryOptions { Limit = -1 }, default).AsTask().DefaultTimeout();

        Assert.Equal([3UL, 4, 5], history.Publications.Select(p => p.Offset));
        Assert.Equal(5UL, history.Position.Offset);
    }

    [Fact]
    public async Task HistoryTtlDropsPublicationsButKeepsThePosition()
    {
        var (broker, _) = await StartNodeAsync();
        PublishResult last = default;
        for (var i = 1; i <= 3; i++)
        {
            last = await broker.PublishAsync("stream", NewPublication($"p{i}"), WithHistory(ttl: ShortTtl), default).AsTask().DefaultTimeout();
        }

        var before = await broker.HistoryAsync("stream", new HistoryOptions { Limit = -1 }, default).AsTask().DefaultTimeout();
        await Scope.LetTtlsPassAsync(ShortTtl);
        var after = await broker.HistoryAsync("stream", new HistoryOptions { Limit = -1 }, default).AsTask().DefaultTimeout();

        Assert.Equal(3, before.Publications.Count);
        Assert.Empty(after.Publications);
        Assert.Equal(last.Position, after.Position);
    }

    [Fact]
    public async Task StreamWhoseMetaExpiredStartsOverWithANewEpoch()
    {
        var (broker, _) = await StartNodeAsync();
        var old = await broker.PublishAsync("stream", NewPublication("old"), WithHistory(ttl: ShortTtl, metaTtl: ShortTtl), default).AsTask().DefaultTimeout();

        await Scope.LetTtlsPassAsync(ShortTtl);
        var fresh = await broker.PublishAsync("stream", NewPublication("new"), WithHistory(ttl: ShortTtl, metaTtl: ShortTtl), default).AsTask().DefaultTimeout();

        Assert.Equal(1UL, fresh.Position.Offset);
        Assert.NotEqual(old.Position.Epoch, fresh.Position.Epoch);
    }

    [Fact]
    public async Task RepeatedIdempotencyKeyIsSuppressedAndReturnsTheFirstResult()
    {
        var (broker, handler) = await StartNodeAsync();
        await broker.SubscribeAsync("stream", default).AsTask().DefaultTimeout();

        var first = await broker.PublishAsync("stream", NewPublication("once"), WithHistory(idempotencyKey: "k1"), default).AsTask().DefaultTimeout();
        var repeat = await broker.PublishAsync("stream", NewPublication("once"), WithHistory(idempotencyKey: "k1"), default).AsTask().DefaultTimeout();
        var other = await broker.PublishAsync("stream", NewPublication("other"), WithHistory(idempotencyKey: "k2"), default).AsTask().DefaultTimeout();

        Assert.False(first.Suppressed);
        Assert.True(repeat.Suppressed);
        Assert.Equal(first.Position, repeat.Position);
        Assert.Equal(2UL, other.Position.Offset);
        Assert.Equal("once", Text((await handler.NextPublicationAsync()).Publication));
        Assert.Equal("other", Text((await handler.NextPublicationAsync()).Publication));
        var history = await broker.HistoryAsync("stream", new HistoryOptions { Limit = -1 }, default).AsTask().DefaultTimeout();
        Assert.Equal(["once", "other"], history.Publications.Select(Text));
    }

    [Fact]
    public async Task StaleVersionIsSuppressedAndNewerOnesPass()
    {
        var (broker, handler) = await StartNodeAsync();
        await broker.SubscribeAsync("state", default).AsTask().DefaultTimeout();

        var v2 = await broker.PublishAsync("state", NewPublication("v2"), WithHistory() with { Version = 2 }, default).AsTask().DefaultTimeout();
        var v1 = await broker.PublishAsync("state", NewPublication("v1"), WithHistory() with { Version = 1 }, default).AsTask().DefaultTimeout();
        var again = await broker.PublishAsync("state", NewPublication("v2 again"), WithHistory() with { Version = 2 }, default).AsTask().DefaultTimeout();
        var v3 = await broker.PublishAsync("state", NewPublication("v3"), WithHistory() with { Version = 3 }, default).AsTask().DefaultTimeout();
        var unversioned = await broker.PublishAsync("state", NewPublication("plain"), WithHistory(), default).AsTask().DefaultTimeout();

        Assert.False(v2.Suppressed);
        Assert.True(v1.Suppressed);
        Assert.True(again.Suppressed);
        Assert.Equal(v2.Position, v1.Position);
        Assert.False(v3.Suppressed);
        Assert.Equal(2UL, v3.Position.Offset);
        Assert.False(unversioned.Suppressed);
        Assert.Equal("v2", Text((await handler.NextPublicationAsync()).Publication));
        Assert.Equal("v3", Text((await handler.NextPublicationAsync()).Publication));
        var history = await broker.HistoryAsync("state", new HistoryOptions { Limit = -1 }, default).AsTask().DefaultTimeout();
        Assert.Equal(["v2", "v3", "plain"], history.Publications.Select(Text));
    }

    [Fact]
    public async Task NewVersionEpochResetsOrdering()
    {
        var (broker, _) = await StartNodeAsync();

        var first = await broker.PublishAsync("state", NewPublication("a5"), WithHistory() with { Version = 5, VersionEpoch = "a" }, default).AsTask().DefaultTimeout();
        var sameEpoch = await broker.PublishAsync("state", NewPublication("a4"), WithHistory() with { Version = 4, VersionEpoch = "a" }, default).AsTask().DefaultTimeout();
        var anyEpoch = await broker.PublishAsync("state", NewPublication("x4"), WithHistory() with { Version = 4 }, default).AsTask().DefaultTimeout();
        var newEpoch = await broker.PublishAsync("state", NewPublication("b1"), WithHistory() with { Version = 1, VersionEpoch = "b" }, default).AsTask().DefaultTimeout();
        var afterReset = await broker.PublishAsync("state", NewPublication("b2"), WithHistory() with { Version = 2, VersionEpoch = "b" }, default).AsTask().DefaultTimeout();

        Assert.False(first.Suppressed);
        Assert.True(sameEpoch.Suppressed);
        Assert.True(anyEpoch.Suppressed);
        Assert.False(newEpoch.Suppressed);
        Assert.False(afterReset.Suppressed);
        var history = await broker.HistoryAsync("state", new HistoryOptions { Limit = -1 }, default).AsTask().DefaultTimeout();
        Assert.Equal(["a5", "b1", "b2"], history.Publications.Select(Text));
    }

    [Fact]
    public async Task RepeatedIdempotencyKeyWithoutHistoryIsSuppressed()
    {
        var (broker, handler) = await StartNodeAsync();
        await broker.SubscribeAsync("plain", default).AsTask().DefaultTimeout();

        var first = await broker.PublishAsync("plain", NewPublication("once"), WithoutHistory(idempotencyKey: "k1"), default).AsTask().DefaultTimeout();
        var repeat = await broker.PublishAsync("plain", NewPublication("once"), WithoutHistory(idempotencyKey: "k1"), default).AsTask().DefaultTimeout();
        await broker.PublishAsync("plain", NewPublication("marker"), WithoutHistory(), default).AsTask().DefaultTimeout();

        Assert.False(first.Suppressed);
        Assert.True(repeat.Suppressed);
        Assert.Equal(StreamPosition.None, repeat.Position);
        Assert.Equal("once", Text((await handler.NextPublicationAsync()).Publication));
        Assert.Equal("marker", Text((await handler.NextPublicationAsync()).Publication));
    }

    [Fact]
    public async Task IdempotencyKeyIsForgottenAfterItsTtl()
    {
        var (broker, _) = await StartNodeAsync();
        var first = await broker.PublishAsync("stream", NewPublication("one"), WithHistory(idempotencyKey: "k1", idempotentResultTtl: ShortTtl), default).AsTask().DefaultTimeout();

        await Scope.LetTtlsPassAsync(ShortTtl);
        var again = await broker.PublishAsync("stream", NewPublication("one"), WithHistory(idempotencyKey: "k1", idempotentResultTtl: ShortTtl), default).AsTask().DefaultTimeout();

        Assert.False(again.Suppressed);
        Assert.Equal(first.Position.Offset + 1, again.Position.Offset);
    }

    [Fact]
    public async Task IdempotencyKeysOfDifferentChannelsDoNotCollide()
    {
        var (broker, _) = await StartNodeAsync();

        await broker.PublishAsync("one", NewPublication("x"), WithHistory(idempotencyKey: "same"), default).AsTask().DefaultTimeout();
        var other = await broker.PublishAsync("two", NewPublication("x"), WithHistory(idempotencyKey: "same"), default).AsTask().DefaultTimeout();

        Assert.False(other.Suppressed);
        Assert.Equal(1UL, other.Position.Offset);
    }

    [Fact]
    public async Task RemovingHistoryKeepsTheStreamPosition()
    {
        var (broker, _) = await StartNodeAsync();
        var last = await PublishManyAsync(broker, "stream", 3);

        await broker.RemoveHistoryAsync("stream", default).AsTask().DefaultTimeout();
        var history = await broker.HistoryAsync("stream", new HistoryOptions { Limit = -1 }, default).AsTask().DefaultTimeout();
        var next = await broker.PublishAsync("stream", NewPublication("p4"), WithHistory(), default).AsTask().DefaultTimeout();

        Assert.Empty(history.Publications);
        Assert.Equal(last, history.Position);
        Assert.Equal(new StreamPosition(4, last.Epoch), next.Position);
    }

    [Fact]
    public async Task PublishWithoutHistoryLeavesTheStreamAlone()
    {
        var (broker, _) = await StartNodeAsync();
        var last = await PublishManyAsync(broker, "stream", 2);

        await broker.PublishAsync("stream", NewPublication("ephemeral"), WithoutHistory(), default).AsTask().DefaultTimeout();
        var history = await broker.HistoryAsync("stream", new HistoryOptions { Limit = -1 }, default).AsTask().DefaultTimeout();

        Assert.Equal(last, history.Position);
        Assert.Equal(["p1", "p2"], history.Publications.Select(Text));
    }

    [Fact]
    public async Task ChannelsHaveSeparateStreams()
    {
        var (broker, _) = await StartNodeAsync();
        await PublishManyAsync(broker, "left", 3);

        var right = await broker.PublishAsync("right", NewPublication("r1"), WithHistory(), default).AsTask().DefaultTimeout();
        var history = await broker.HistoryAsync("right", new HistoryOptions { Limit = -1 }, default).AsTask().DefaultTimeout();

        Assert.Equal(1UL, right.Position.Offset);
        Assert.Equal(["r1"], history.Publications.Select(Text));
    }

    /// <summary>Publishes p1..pN with history and returns the last position.</summary>
    protected static async Task<StreamPosition> PublishManyAsync(IBroker broker, string channel, int count)
    {
        var last = StreamPosition.None;
        for (var i = 1; i <= count; i++)
        {
            last = (await broker.PublishAsync(channel, NewPublication($"p{i}"), WithHistory(), default).AsTask().DefaultTimeout()).Position;
        }

        return last;
    }
}
