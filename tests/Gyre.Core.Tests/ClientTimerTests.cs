using Gyre.Testing;

namespace Gyre.Core.Tests;

public sealed class ClientTimerTests
{
    [Fact]
    public async Task ConnectionWithoutConnectIsClosedAsStaleAfterStaleDelay()
    {
        await using var h = new Harness();
        var c = h.NewClient();
        h.Time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(c.Transport.Closed.IsCompleted);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3502u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task ServerPingsWithinOneIntervalAndDisconnectsWithNoPongWhenUnanswered()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync();
        h.Time.Advance(TimeSpan.FromSeconds(25));
        Assert.Equal("{}", await c.NextAsync());
        h.Time.Advance(TimeSpan.FromSeconds(7));
        Assert.False(c.Transport.Closed.IsCompleted);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3012u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task PongKeepsTheConnectionAliveAcrossManyPings()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync();
        for (var i = 0; i < 5; i++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(25));
            Assert.Equal("{}", await c.NextAsync());
            Assert.True(await c.SendAsync("{}"));
        }

        h.Time.Advance(TimeSpan.FromSeconds(20));
        Assert.False(c.Transport.Closed.IsCompleted);
    }

    [Fact]
    public async Task PongWithoutOutstandingPingDisconnectsWithBadRequest()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync();
        Assert.False(await c.SendAsync("{}"));
        Assert.Equal(3501u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task DisabledPingsSendNoPingField()
    {
        await using var h = new Harness(o => o with { Client = o.Client with { PingInterval = TimeSpan.Zero } });
        var c = h.NewClient();
        await c.SendAsync($$$"""{"id":1,"connect":{"token":"{{{h.Token("1")}}}"}}""");
        var connect = (await c.NextJsonAsync()).GetProperty("connect");
        Assert.False(connect.TryGetProperty("ping", out _));
        Assert.False(connect.TryGetProperty("pong", out _));
        h.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.False(c.Transport.TryNext(out _));
    }

    [Fact]
    public async Task ExpiredConnectionIsClosedAfterGraceUnlessRefreshed()
    {
        await using var h = new Harness(o => o with { Client = o.Client with { PingInterval = TimeSpan.Zero } });
        var c = h.NewClient();
        await c.SendAsync($$$"""{"id":1,"connect":{"token":"{{{h.Token("42", TimeSpan.FromSeconds(60))}}}"}}""");
        await c.NextJsonAsync();
        h.Time.Advance(TimeSpan.FromSeconds(84));
        Assert.False(c.Transport.Closed.IsCompleted);
        h.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(3005u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task RefreshWithNewTokenExtendsTheConnection()
    {
        await using var h = new Harness(o => o with { Client = o.Client with { PingInterval = TimeSpan.Zero } });
        var c = h.NewClient();
        await c.SendAsync($$$"""{"id":1,"connect":{"token":"{{{h.Token("42", TimeSpan.FromSeconds(60))}}}"}}""");
        await c.NextJsonAsync();
        h.Time.Advance(TimeSpan.FromSeconds(55));
        var refresh = (await c.RequestAsync(2, "refresh", $$$"""{"token":"{{{h.Token("42", TimeSpan.FromSeconds(600))}}}"}""")).GetProperty("refresh");
        Assert.True(refresh.GetProperty("expires").GetBoolean());
        Assert.InRange(refresh.GetProperty("ttl").GetUInt32(), 595u, 600u);
        h.Time.Advance(TimeSpan.FromSeconds(120));
        Assert.False(c.Transport.Closed.IsCompleted);
    }

    [Fact]
    public async Task RefreshWithAnotherUsersTokenDisconnectsWithInvalidToken()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync("42");
        Assert.False(await c.SendAsync($$$"""{"id":2,"refresh":{"token":"{{{h.Token("43")}}}"}}"""));
        Assert.Equal(3500u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task RefreshWithExpiredTokenDisconnectsAsExpired()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync("42");
        Assert.False(await c.SendAsync($$$"""{"id":2,"refresh":{"token":"{{{h.Token("42", TimeSpan.FromSeconds(-5))}}}"}}"""));
        Assert.Equal(3005u, await c.ClosedWithAsync());
    }
}
