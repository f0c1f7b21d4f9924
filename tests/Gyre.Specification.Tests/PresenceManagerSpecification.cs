using Gyre.Core.Engine;
using Gyre.Testing;

namespace Gyre.Specification.Tests;

/// <summary>
/// What every presence manager does: entries by client id with their info, counts of clients and distinct users,
/// and expiry of entries not refreshed within the TTL, judged by the scope's clock.
/// </summary>
public abstract class PresenceManagerSpecification<TFixture>(TFixture fixture) : EngineSpecification<TFixture>(fixture)
    where TFixture : class, IEngineFixture
{
    /// <summary>Centrifugo's default presence TTL.</summary>
    protected static readonly TimeSpan Ttl = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task AddedClientAppearsWithItsInfo()
    {
        var presence = await Scope.CreatePresenceManagerAsync(Ttl);
        var info = NewInfo("alice", "c1");

        await presence.AddPresenceAsync("room", "c1", info, default).AsTask().DefaultTimeout();
        var entries = await presence.PresenceAsync("room", default).AsTask().DefaultTimeout();

        Assert.Equal(info, Assert.Single(entries, e => e.Key == "c1").Value);
        Assert.Single(entries);
    }

    [Fact]
    public async Task RemovedClientDisappears()
    {
        var presence = await Scope.CreatePresenceManagerAsync(Ttl);
        await presence.AddPresenceAsync("room", "c1", NewInfo("alice", "c1"), default).AsTask().DefaultTimeout();
        await presence.AddPresenceAsync("room", "c2", NewInfo("bob", "c2"), default).AsTask().DefaultTimeout();

        await presence.RemovePresenceAsync("room", "c1", "alice", default).AsTask().DefaultTimeout();
        var entries = await presence.PresenceAsync("room", default).AsTask().DefaultTimeout();
        var stats = await presence.PresenceStatsAsync("room", default).AsTask().DefaultTimeout();

        Assert.Equal(["c2"], entries.Keys);
        Assert.Equal(new PresenceStats(1, 1), stats);
    }

    [Fact]
    public async Task AddingAClientAgainUpdatesItsSingleEntry()
    {
        var presence = await Scope.CreatePresenceManagerAsync(Ttl);
        await presence.AddPresenceAsync("room", "c1", NewInfo("alice", "c1"), default).AsTask().DefaultTimeout();
        var updated = NewInfo("alice", "c1");
        updated.ChanInfo = Google.Protobuf.ByteString.CopyFromUtf8("""{"role":"admin"}""");

        await presence.AddPresenceAsync("room", "c1", updated, default).AsTask().DefaultTimeout();
        var entries = await presence.PresenceAsync("room", default).AsTask().DefaultTimeout();
        var stats = await presence.PresenceStatsAsync("room", default).AsTask().DefaultTimeout();

        Assert.Equal(updated, Assert.Single(entries).Value);
        Assert.Equal(new PresenceStats(1, 1), stats);
    }

    [Fact]
    public async Task StatsCountClientsAndDistinctUsers()
    {
        var presence = await Scope.CreatePresenceManagerAsync(Ttl);
        await presence.AddPresenceAsync("room", "c1", NewInfo("alice", "c1"), default).AsTask().DefaultTimeout();
        await presence.AddPresenceAsync("room", "c2", NewInfo("alice", "c2"), default).AsTask().DefaultTimeout();
        await presence.AddPresenceAsync("room", "c3", NewInfo("bob", "c3"), default).AsTask().DefaultTimeout();

        var stats = await presence.PresenceStatsAsync("room", default).AsTask().DefaultTimeout();

        Assert.Equal(new PresenceStats(NumClients: 3, NumUsers: 2), stats);
    }

    [Fact]
    public async Task UserStaysCountedWhileOneOfTheirClientsRemains()
    {
        var presence = await Scope.CreatePresenceManagerAsync(Ttl);
        await presence.AddPresenceAsync("room", "c1", NewInfo("alice", "c1"), default).AsTask().DefaultTimeout();
        await presence.AddPresenceAsync("room", "c2", NewInfo("alice", "c2"), default).AsTask().DefaultTimeout();

        await presence.RemovePresenceAsync("room", "c1", "alice", default).AsTask().DefaultTimeout();
        var oneLeft = await presence.PresenceStatsAsync("room", default).AsTask().DefaultTimeout();
        await presence.RemovePresenceAsync("room", "c2", "alice", default).AsTask().DefaultTimeout();
        var noneLeft = await presence.PresenceStatsAsync("room", default).AsTask().DefaultTimeout();

        Assert.Equal(new PresenceStats(1, 1), oneLeft);
        Assert.Equal(new PresenceStats(0, 0), noneLeft);
    }

    [Fact]
    public async Task RemovingAnUnknownClientChangesNothing()
    {
        var presence = await Scope.CreatePresenceManagerAsync(Ttl);
        await presence.AddPresenceAsync("room", "c1", NewInfo("alice", "c1"), default).AsTask().DefaultTimeout();

        await presence.RemovePresenceAsync("room", "ghost", "alice", default).AsTask().DefaultTimeout();
        var stats = await presence.PresenceStatsAsync("room", default).AsTask().DefaultTimeout();

        Assert.Equal(new PresenceStats(1, 1), stats);
    }

    [Fact]
    public async Task EntriesNotRefreshedWithinTheTtlExpire()
    {
        var presence = await Scope.CreatePresenceManagerAsync(Ttl);
        await presence.AddPresenceAsync("room", "stale", NewInfo("alice", "stale"), default).AsTask().DefaultTimeout();
        await presence.AddPresenceAsync("room", "fresh", NewInfo("bob", "fresh"), default).AsTask().DefaultTimeout();

        Scope.Clock.Advance(TimeSpan.FromSeconds(40));
        await presence.AddPresenceAsync("room", "fresh", NewInfo("bob", "fresh"), default).AsTask().DefaultTimeout();
        var beforeTtl = await presence.PresenceAsync("room", default).AsTask().DefaultTimeout();
        Scope.Clock.Advance(TimeSpan.FromSeconds(40));
        var afterTtl = await presence.PresenceAsync("room", default).AsTask().DefaultTimeout();

        Assert.Equal(["fresh", "stale"], beforeTtl.Keys.Order());
        Assert.Equal(["fresh"], afterTtl.Keys);
    }

    [Fact]
    public async Task ExpiredEntriesDropOutOfStats()
    {
        var presence = await Scope.CreatePresenceManagerAsync(Ttl);
        await presence.AddPresenceAsync("room", "c1", NewInfo("alice", "c1"), default).AsTask().DefaultTimeout();
        await presence.AddPresenceAsync("room", "c2", NewInfo("bob", "c2"), default).AsTask().DefaultTimeout();

        Scope.Clock.Advance(Ttl + TimeSpan.FromSeconds(1));
        var stats = await presence.PresenceStatsAsync("room", default).AsTask().DefaultTimeout();

        Assert.Equal(new PresenceStats(0, 0), stats);
    }

    [Fact]
    public async Task ChannelWithoutPresenceIsEmpty()
    {
        var presence = await Scope.CreatePresenceManagerAsync(Ttl);

        var entries = await presence.PresenceAsync("nobody", default).AsTask().DefaultTimeout();
        var stats = await presence.PresenceStatsAsync("nobody", default).AsTask().DefaultTimeout();

        Assert.Empty(entries);
        Assert.Equal(new PresenceStats(0, 0), stats);
    }

    [Fact]
    public async Task ChannelsDoNotShareEntries()
    {
        var presence = await Scope.CreatePresenceManagerAsync(Ttl);
        await presence.AddPresenceAsync("left", "c1", NewInfo("alice", "c1"), default).AsTask().DefaultTimeout();
        await presence.AddPresenceAsync("right", "c2", NewInfo("bob", "c2"), default).AsTask().DefaultTimeout();

        var left = await presence.PresenceAsync("left", default).AsTask().DefaultTimeout();

        Assert.Equal(["c1"], left.Keys);
    }
}
