using System.Text;
using Gyre.Core.Channels;

namespace Gyre.Core.Tests.Auth;

public sealed class ConnectAuthTests
{
    [Fact]
    public async Task AnonymousConnectionTokenIsRefusedWith3507WhenDisallowed()
    {
        await using var h = new Harness(o => o with { Client = o.Client with { DisallowAnonymousConnectionTokens = true } });
        var c = h.NewClient();
        Assert.False(await c.SendAsync(Connect(Jws.Hmac(Harness.Secret, new { sub = "" }))));
        Assert.Equal(3507u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task AnonymousConnectionTokenIsAcceptedByDefault()
    {
        await using var h = new Harness();
        var c = h.NewClient();
        await c.SendAsync(Connect(Jws.Hmac(Harness.Secret, new { sub = "" })));
        Assert.True((await c.NextJsonAsync()).TryGetProperty("connect", out _));
        Assert.Equal("", c.Client.UserId);
    }

    [Fact]
    public async Task SkippingSignatureVerificationAcceptsAForgedToken()
    {
        await using var h = new Harness(o => o with { Client = o.Client with { InsecureSkipTokenSignatureVerify = true } });
        var c = h.NewClient();
        await c.SendAsync(Connect(Jws.Hmac("not-the-secret", new { sub = "mallory" })));
        Assert.True((await c.NextJsonAsync()).TryGetProperty("connect", out _));
        Assert.Equal("mallory", c.Client.UserId);
    }

    [Fact]
    public async Task ExpiredTokenGetsError109EvenInInsecureMode()
    {
        await using var h = new Harness(o => o with { Client = o.Client with { Insecure = true } });
        var c = h.NewClient();
        await c.SendAsync(Connect(h.Token("42", TimeSpan.FromSeconds(-5))));
        Assert.Equal(109u, (await c.NextJsonAsync()).GetProperty("error").GetProperty("code").GetUInt32());
    }

    [Fact]
    public async Task InsecureModeNeverExpiresAConnection()
    {
        await using var h = new Harness(o => NoPings(o) with { Client = NoPings(o).Client with { Insecure = true } });
        var c = h.NewClient();
        await c.SendAsync(Connect(h.Token("42", TimeSpan.FromSeconds(30))));
        Assert.False((await c.NextJsonAsync()).GetProperty("connect").TryGetProperty("expires", out _));
        h.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.False(c.Transport.Closed.IsCompleted);
    }

    [Fact]
    public async Task TokenNotValidBeforeLaterGetsError109()
    {
        await using var h = new Harness();
        var c = h.NewClient();
        await c.SendAsync(Connect(Jws.Hmac(Harness.Secret, new { sub = "42", nbf = Now(h) + 60 })));
        Assert.Equal(109u, (await c.NextJsonAsync()).GetProperty("error").GetProperty("code").GetUInt32());
    }

    [Fact]
    public async Task ExpireAtSetsTheConnectionTtlAndItsPastValueIsError110()
    {
        await using var h = new Harness();
        AlignToWholeSecond(h);
        var c = h.NewClient();
        await c.SendAsync(Connect(Jws.Hmac(Harness.Secret, new { sub = "42", exp = Now(h) + 60, expire_at = Now(h) + 600 })));
        var connect = (await c.NextJsonAsync()).GetProperty("connect");
        Assert.True(connect.GetProperty("expires").GetBoolean());
        Assert.Equal(600u, connect.GetProperty("ttl").GetUInt32());

        var past = h.NewClient();
        await past.SendAsync(Connect(Jws.Hmac(Harness.Secret, new { sub = "42", exp = Now(h) + 60, expire_at = Now(h) - 1 })));
        Assert.Equal(110u, (await past.NextJsonAsync()).GetProperty("error").GetProperty("code").GetUInt32());
        Assert.False(await past.SendAsync("""{"id":2,"subscribe":{"channel":"news"}}"""));
    }

    [Fact]
    public async Task ExpireAtZeroMakesTheConnectionPermanentDespiteExp()
    {
        await using var h = new Harness(NoPings);
        var c = h.NewClient();
        await c.SendAsync(Connect(Jws.Hmac(Harness.Secret, new { sub = "42", exp = Now(h) + 60, expire_at = 0 })));
        Assert.False((await c.NextJsonAsync()).GetProperty("connect").TryGetProperty("expires", out _));
        h.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.False(c.Transport.Closed.IsCompleted);
    }

    [Fact]
    public async Task TtlIsRoundedDownSoThatARefreshAtTheTtlArrivesBeforeTheExpiry()
    {
        await using var h = new Harness();
        AlignToWholeSecond(h);
        h.Time.Advance(TimeSpan.FromMilliseconds(900));
        var c = h.NewClient();
        await c.SendAsync(Connect(Jws.Hmac(Harness.Secret, new { sub = "42", exp = Now(h) + 10 })));
        Assert.Equal(9u, (await c.NextJsonAsync()).GetProperty("connect").GetProperty("ttl").GetUInt32());
    }

    [Fact]
    public async Task MetaClaimIsKeptServerSideOnly()
    {
        await using var h = new Harness();
        var c = h.NewClient();
        await c.SendAsync(Connect(Jws.Hmac(Harness.Secret, """{"sub":"42","meta":{"plan":"pro"}}""")));
        var reply = await c.NextAsync();
        Assert.DoesNotContain("plan", reply, StringComparison.Ordinal);
        Assert.Equal("""{"plan":"pro"}""", Encoding.UTF8.GetString(c.Client.Meta.Span));
    }

    [Fact]
    public async Task UserConnectionLimitRefusesTheConnectionBeyondItWith3504()
    {
        await using var h = new Harness(o => o with { Client = o.Client with { UserConnectionLimit = 2 } });
        await h.ConnectedAsync("42");
        await h.ConnectedAsync("42");
        await h.ConnectedAsync("7");
        var third = h.NewClient();
        Assert.False(await third.SendAsync(Connect(h.Token("42"))));
        Assert.Equal(3504u, await third.ClosedWithAsync());
    }

    [Fact]
    public async Task UserConnectionLimitDoesNotCountAnonymousConnections()
    {
        await using var h = new Harness(o => o with { Client = o.Client with { UserConnectionLimit = 1 } });
        for (var i = 0; i < 3; i++)
        {
            var c = h.NewClient();
            await c.SendAsync(Connect(Jws.Hmac(Harness.Secret, new { sub = "" })));
            Assert.True((await c.NextJsonAsync()).TryGetProperty("connect", out _));
        }
    }

    [Fact]
    public async Task SubsClaimSubscribesWithDataInfoAndOverrides()
    {
        await using var h = new Harness();
        var c = h.NewClient();
        var claims = """{"sub":"42","subs":{"news":{"info":{"role":"editor"},"data":{"welcome":1},"override":{"presence":{"value":true}}},"chat:1":{}}}""";
        await c.SendAsync(Connect(Jws.Hmac(Harness.Secret, claims)));
        var subs = (await c.NextJsonAsync()).GetProperty("connect").GetProperty("subs");
        Assert.Equal("""{"welcome":1}""", subs.GetProperty("news").GetProperty("data").GetRawText());
        Assert.False(subs.GetProperty("chat:1").TryGetProperty("data", out _));

        // "news" has no presence in its namespace; the override turns it on for this subscriber, with its chan_info.
        var presence = await h.Node.Presence.PresenceAsync("news", CancellationToken.None);
        var entry = Assert.Single(presence).Value;
        Assert.Equal("""{"role":"editor"}""", entry.ChanInfo.ToStringUtf8());
        Assert.Equal("42", entry.User);
    }

    [Fact]
    public async Task SubsClaimWithUnknownNamespaceFailsTheConnectWith102()
    {
        await using var h = new Harness();
        var c = h.NewClient();
        await c.SendAsync(Connect(Jws.Hmac(Harness.Secret, """{"sub":"42","subs":{"nowhere:1":{}}}""")));
        Assert.Equal(102u, (await c.NextJsonAsync()).GetProperty("error").GetProperty("code").GetUInt32());
    }

    [Fact]
    public async Task ServerSideSubscriptionsBeyondTheChannelLimitDisconnectWith3505()
    {
        await using var h = new Harness(o => o with { Client = o.Client with { ChannelLimit = 1 } });
        var c = h.NewClient();
        Assert.False(await c.SendAsync(Connect(h.Token("42", extra: new { channels = new[] { "a", "b" } }))));
        Assert.Equal(3505u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task ChannelsNamedInTheConnectRequestAreSubscribedWhenTheClientMaySubscribe()
    {
        await using var h = new Harness();
        var c = h.NewClient();
        await c.SendAsync(ConnectWithSubs(h.Token("42"), """{"news":{},"locked:1":{},"$private":{}}"""));
        var subs = (await c.NextJsonAsync()).GetProperty("connect").GetProperty("subs");
        Assert.Equal(["news"], subs.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task ConnectRequestNamingAnUnknownNamespaceDisconnectsWith3501()
    {
        await using var h = new Harness();
        var c = h.NewClient();
        Assert.False(await c.SendAsync(ConnectWithSubs(h.Token("42"), """{"nowhere:1":{}}""")));
        Assert.Equal(3501u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task PersonalChannelIsSubscribedForAuthenticatedUsersOnly()
    {
        await using var h = new Harness(PersonalChannel(singleConnection: false));
        var c = h.NewClient();
        await c.SendAsync(Connect(h.Token("42")));
        var subs = (await c.NextJsonAsync()).GetProperty("connect").GetProperty("subs");
        Assert.True(subs.TryGetProperty("personal:#42", out _));

        var anonymous = h.NewClient();
        await anonymous.SendAsync(Connect(Jws.Hmac(Harness.Secret, new { sub = "" })));
        Assert.False((await anonymous.NextJsonAsync()).GetProperty("connect").TryGetProperty("subs", out _));

        await h.Node.PublishAsync("personal:#42", """{"note":1}"""u8.ToArray(), ChannelOptions.Default);
        Assert.Equal("""{"push":{"channel":"personal:#42","pub":{"data":{"note":1}}}}""", await c.NextAsync());
    }

    [Fact]
    public async Task SingleConnectionClosesTheUsersOlderConnectionWith3504()
    {
        await using var h = new Harness(PersonalChannel(singleConnection: true));
        var first = await h.ConnectedAsync("42");
        var other = await h.ConnectedAsync("7");
        var second = await h.ConnectedAsync("42");
        Assert.Equal(3504u, await first.ClosedWithAsync());
        Assert.False(second.Transport.Closed.IsCompleted);
        Assert.False(other.Transport.Closed.IsCompleted);
    }

    [Fact]
    public async Task UnexpiredConnectionIsClosedWith3005AfterTheGraceDelay()
    {
        await using var h = new Harness(NoPings);
        var c = h.NewClient();
        await c.SendAsync(Connect(h.Token("42", TimeSpan.FromSeconds(60))));
        await c.NextJsonAsync();
        h.Time.Advance(TimeSpan.FromSeconds(60 + 24));
        Assert.False(c.Transport.Closed.IsCompleted);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3005u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task RefreshExtendsTheConnectionAndUpdatesItsInfo()
    {
        await using var h = new Harness(NoPings);
        AlignToWholeSecond(h);
        var c = h.NewClient();
        await c.SendAsync(Connect(h.Token("42", TimeSpan.FromSeconds(60))));
        await c.NextJsonAsync();
        h.Time.Advance(TimeSpan.FromSeconds(55));
        var refresh = await c.RequestAsync(2, "refresh", $$$"""{"token":"{{{Jws.Hmac(Harness.Secret, new { sub = "42", exp = Now(h) + 600, info = new { v = 2 } })}}}"}""");
        Assert.True(refresh.GetProperty("refresh").GetProperty("expires").GetBoolean());
        Assert.Equal(600u, refresh.GetProperty("refresh").GetProperty("ttl").GetUInt32());
        Assert.Equal("""{"v":2}""", c.Client.Info.ConnInfo.ToStringUtf8());

        h.Time.Advance(TimeSpan.FromSeconds(600));
        Assert.False(c.Transport.Closed.IsCompleted);
        h.Time.Advance(TimeSpan.FromSeconds(25));
        Assert.Equal(3005u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task RefreshWithExpiredTokenClosesWith3005()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync("42");
        Assert.False(await c.SendAsync($$$"""{"id":2,"refresh":{"token":"{{{h.Token("42", TimeSpan.FromSeconds(-1))}}}"}}"""));
        Assert.Equal(3005u, await c.ClosedWithAsync());
    }

    [Theory]
    [InlineData("99")]
    [InlineData("")]
    public async Task RefreshWithAnotherUsersTokenClosesWith3500(string user)
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync("42");
        Assert.False(await c.SendAsync($$$"""{"id":2,"refresh":{"token":"{{{h.Token(user)}}}"}}"""));
        Assert.Equal(3500u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task RefreshWithForgedTokenClosesWith3500()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync("42");
        Assert.False(await c.SendAsync($$$"""{"id":2,"refresh":{"token":"{{{Jws.Hmac("wrong", new { sub = "42" })}}}"}}"""));
        Assert.Equal(3500u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task RefreshWhoseTokenChangesServerSideChannelsReconnectsWith3010()
    {
        await using var h = new Harness();
        var c = h.NewClient();
        await c.SendAsync(Connect(h.Token("42", TimeSpan.FromMinutes(1), new { channels = new[] { "news" } })));
        await c.NextJsonAsync();

        var same = await c.RequestAsync(2, "refresh", $$$"""{"token":"{{{h.Token("42", TimeSpan.FromMinutes(5), new { channels = new[] { "news" } })}}}"}""");
        Assert.True(same.TryGetProperty("refresh", out _));

        Assert.False(await c.SendAsync($$$"""{"id":3,"refresh":{"token":"{{{h.Token("42", TimeSpan.FromMinutes(5), new { channels = new[] { "news", "chat:1" } })}}}"}}"""));
        Assert.Equal(3010u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task RefreshDroppingATokenChannelReconnectsWith3010()
    {
        await using var h = new Harness();
        var c = h.NewClient();
        await c.SendAsync(Connect(h.Token("42", TimeSpan.FromMinutes(1), new { channels = new[] { "news" } })));
        await c.NextJsonAsync();
        Assert.False(await c.SendAsync($$$"""{"id":2,"refresh":{"token":"{{{h.Token("42", TimeSpan.FromMinutes(5))}}}"}}"""));
        Assert.Equal(3010u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task RefreshWithoutExpiryMakesTheConnectionPermanent()
    {
        await using var h = new Harness(NoPings);
        var c = h.NewClient();
        await c.SendAsync(Connect(h.Token("42", TimeSpan.FromSeconds(60))));
        await c.NextJsonAsync();
        var refresh = await c.RequestAsync(2, "refresh", $$$"""{"token":"{{{h.Token("42")}}}"}""");
        Assert.False(refresh.GetProperty("refresh").TryGetProperty("expires", out _));
        h.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.False(c.Transport.Closed.IsCompleted);
    }

    /// <summary>Long clock jumps would otherwise end in 3012 (no pong) before the expiry under test.</summary>
    private static NodeOptions NoPings(NodeOptions o) => o with { Client = o.Client with { PingInterval = TimeSpan.Zero } };

    /// <summary>TTLs are whole seconds rounded down from the millisecond clock: on a whole second they come out exact.</summary>
    private static void AlignToWholeSecond(Harness h) =>
        h.Time.Advance(TimeSpan.FromMilliseconds(1000 - (h.Time.GetUtcNow().ToUnixTimeMilliseconds() % 1000)));

    private static long Now(Harness h) => h.Time.GetUtcNow().ToUnixTimeSeconds();

    private static string Connect(string token) => $$$"""{"id":1,"connect":{"token":"{{{token}}}"}}""";

    private static string ConnectWithSubs(string token, string subs) => "{\"id\":1,\"connect\":{\"token\":\"" + token + "\",\"subs\":" + subs + "}}";

    private static Func<NodeOptions, NodeOptions> PersonalChannel(bool singleConnection) => o => o with
    {
        Client = o.Client with { SubscribeToUserPersonalChannel = new PersonalChannelOptions { Enabled = true, PersonalChannelNamespace = "personal", SingleConnection = singleConnection } },
        Channels = o.Channels with
        {
            Namespaces = [.. o.Channels.Namespaces, new ChannelNamespace("personal", new ChannelOptions { Presence = true })],
        },
    };
}
