using System.Text.Json;
using Gyre.Core.Auth;
using Gyre.Core.Channels;

namespace Gyre.Core.Tests.Auth;

public sealed class SubscriptionTokenTests
{
    [Fact]
    public async Task PrivateChannelWithValidTokenIsSubscribedWithExpiryAndData()
    {
        await using var h = new Harness();
        AlignToWholeSecond(h);
        var c = await h.ConnectedAsync("42");
        var token = SubToken(h, new { sub = "42", channel = "$news", exp = Now(h) + 300, data = new { hello = "world" } });
        var subscribe = (await Subscribe(c, 2, "$news", token)).GetProperty("subscribe");
        Assert.True(subscribe.GetProperty("expires").GetBoolean());
        Assert.Equal(300u, subscribe.GetProperty("ttl").GetUInt32());
        Assert.Equal("""{"hello":"world"}""", subscribe.GetProperty("data").GetRawText());
        Assert.True(c.Client.IsSubscribed("$news"));
    }

    [Fact]
    public async Task PrivateChannelWithoutTokenIsDeniedEvenInInsecureMode()
    {
        await using var h = new Harness(o => o with { Client = o.Client with { Insecure = true } });
        var c = await h.ConnectedAsync("42");
        Assert.Equal(103u, ErrorCode(await Subscribe(c, 2, "$news", "")));
    }

    [Fact]
    public async Task ExpiredSubscriptionTokenGetsError109()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync("42");
        Assert.Equal(109u, ErrorCode(await Subscribe(c, 2, "$news", SubToken(h, new { sub = "42", channel = "$news", exp = Now(h) - 1 }))));
    }

    [Fact]
    public async Task SubscriptionTokenExpireAtInThePastGetsError110()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync("42");
        Assert.Equal(110u, ErrorCode(await Subscribe(c, 2, "$news", SubToken(h, new { sub = "42", channel = "$news", exp = Now(h) + 60, expire_at = Now(h) - 1 }))));
    }

    [Theory]
    [InlineData("wrong-secret")]
    [InlineData("")]
    public async Task InvalidSubscriptionTokenGetsError103AndKeepsTheConnection(string secret)
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync("42");
        var token = secret.Length == 0 ? "garbage" : Jws.Hmac(secret, new { sub = "42", channel = "$news" });
        Assert.Equal(103u, ErrorCode(await Subscribe(c, 2, "$news", token)));
        Assert.False(c.Transport.Closed.IsCompleted);
    }

    [Fact]
    public async Task SubscriptionTokenWithoutChannelIsInvalid()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync("42");
        Assert.Equal(103u, ErrorCode(await Subscribe(c, 2, "$news", SubToken(h, new { sub = "42" }))));
    }

    [Theory]
    [InlineData("""{"sub":"42","channel":"$other"}""")]
    [InlineData("""{"sub":"99","channel":"$news"}""")]
    [InlineData("""{"sub":"","channel":"$news"}""")]
    [InlineData("""{"sub":"42","channel":"$news","client":"someone-else"}""")]
    public async Task SubscriptionTokenForAnotherChannelUserOrClientDisconnectsWith3500(string claims)
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync("42");
        Assert.False(await c.SendAsync($$$"""{"id":2,"subscribe":{"channel":"$news","token":"{{{Jws.Hmac(Harness.Secret, claims)}}}"}}"""));
        Assert.Equal(3500u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task SubscriptionTokenNamingThisClientIsAccepted()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync("42");
        Assert.True((await Subscribe(c, 2, "$news", SubToken(h, new { sub = "42", channel = "$news", client = c.Client.Id }))).TryGetProperty("subscribe", out _));
    }

    [Fact]
    public async Task TokenAuthorizesAChannelTheNamespaceClosesToClients()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync("42");
        Assert.Equal(103u, ErrorCode(await Subscribe(c, 2, "locked:1", "")));
        Assert.True((await Subscribe(c, 3, "locked:1", SubToken(h, new { sub = "42", channel = "locked:1" }))).TryGetProperty("subscribe", out _));
    }

    [Fact]
    public async Task AnonymousConnectionUsesTokensWithEmptySub()
    {
        await using var h = new Harness(o => o with { Client = o.Client with { AllowAnonymousConnectWithoutToken = true } });
        var c = h.NewClient();
        await c.SendAsync("""{"id":1,"connect":{}}""");
        await c.NextJsonAsync();
        Assert.True((await Subscribe(c, 2, "$news", SubToken(h, new { channel = "$news" }))).TryGetProperty("subscribe", out _));
    }

    [Fact]
    public async Task SeparateSubscriptionTokenVerifierUsesItsOwnKey()
    {
        await using var h = new Harness(o => o with { SubscriptionToken = new TokenOptions { HmacSecretKey = "sub-secret" } });
        var c = await h.ConnectedAsync("42");
        Assert.Equal(103u, ErrorCode(await Subscribe(c, 2, "$news", SubToken(h, new { sub = "42", channel = "$news" }))));
        Assert.True((await Subscribe(c, 3, "$news", Jws.Hmac("sub-secret", new { sub = "42", channel = "$news" }))).TryGetProperty("subscribe", out _));
    }

    [Fact]
    public async Task SubscriptionTokenOverridesTurnOnRecovery()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync("42");
        var plain = (await Subscribe(c, 2, "history:a", "")).GetProperty("subscribe");
        Assert.False(plain.TryGetProperty("recoverable", out _));

        var token = SubToken(h, """{"sub":"42","channel":"history:b","override":{"force_recovery":{"value":true}}}""");
        var overridden = (await Subscribe(c, 3, "history:b", token)).GetProperty("subscribe");
        Assert.True(overridden.GetProperty("recoverable").GetBoolean());
        Assert.True(overridden.GetProperty("positioned").GetBoolean());
    }

    [Fact]
    public async Task ChannelInfoFromTheTokenShowsInPresenceJoinAndPublications()
    {
        await using var h = new Harness();
        var watcher = await h.ConnectedAsync("1");
        await watcher.RequestAsync(2, "subscribe", """{"channel":"chat:room","join_leave":true}""");

        var c = await h.ConnectedAsync("42");
        var token = SubToken(h, new { sub = "42", channel = "chat:room", info = new { role = "moderator" } });
        await Subscribe(c, 2, "chat:room", token);

        var join = await NextPushAsync(watcher, "join", j => j.GetProperty("info").GetProperty("user").GetString() == "42");
        Assert.Equal("""{"role":"moderator"}""", join.GetProperty("info").GetProperty("chan_info").GetRawText());

        var presence = (await c.RequestAsync(3, "presence", """{"channel":"chat:room"}""")).GetProperty("presence").GetProperty("presence");
        Assert.Equal("""{"role":"moderator"}""", presence.GetProperty(c.Client.Id).GetProperty("chan_info").GetRawText());
        Assert.False(presence.GetProperty(watcher.Client.Id).TryGetProperty("chan_info", out _));

        await c.RequestAsync(4, "publish", """{"channel":"chat:room","data":{"text":"hi"}}""");
        var publication = await NextPushAsync(watcher, "pub");
        Assert.Equal("""{"role":"moderator"}""", publication.GetProperty("info").GetProperty("chan_info").GetRawText());
    }

    [Fact]
    public async Task JoinLeavePushesNeedPresenceAccess()
    {
        await using var h = new Harness(o => o with
        {
            Channels = o.Channels with { Namespaces = [new ChannelNamespace("jl", new ChannelOptions { AllowSubscribeForClient = true, JoinLeave = true, Presence = true })] },
        });
        var c = await h.ConnectedAsync("42");
        await c.RequestAsync(2, "subscribe", """{"channel":"jl:a","join_leave":true}""");
        var other = await h.ConnectedAsync("7");
        await other.RequestAsync(2, "subscribe", """{"channel":"jl:a"}""");

        // Without presence permission the join of "7" is not pushed to "42": the next thing it sees is a publication.
        await h.Node.PublishAsync("jl:a", """{"n":1}"""u8.ToArray(), ChannelOptions.Default);
        Assert.Equal("""{"push":{"channel":"jl:a","pub":{"data":{"n":1}}}}""", await c.NextAsync());
    }

    [Fact]
    public async Task HistoryAccessLetsTheClientAskForPositioning()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync("42");
        var result = (await c.RequestAsync(2, "subscribe", """{"channel":"history:p","positioned":true}""")).GetProperty("subscribe");
        Assert.True(result.GetProperty("positioned").GetBoolean());
    }

    [Fact]
    public async Task SubRefreshMovesTheExpiryAndReplacesChannelInfo()
    {
        await using var h = new Harness(NoPings);
        AlignToWholeSecond(h);
        var c = await h.ConnectedAsync("42");
        await Subscribe(c, 2, "$news", SubToken(h, new { sub = "42", channel = "$news", exp = Now(h) + 60 }));

        h.Time.Advance(TimeSpan.FromSeconds(50));
        var refreshed = await c.RequestAsync(3, "sub_refresh", $$$"""{"channel":"$news","token":"{{{SubToken(h, new { sub = "42", channel = "$news", exp = Now(h) + 600, info = new { v = 2 } })}}}"}""");
        Assert.True(refreshed.GetProperty("sub_refresh").GetProperty("expires").GetBoolean());
        Assert.Equal(600u, refreshed.GetProperty("sub_refresh").GetProperty("ttl").GetUInt32());

        h.Time.Advance(TimeSpan.FromSeconds(600 + 24));
        Assert.True(c.Client.IsSubscribed("$news"));
        Assert.False(c.Transport.TryNext(out _));
        Assert.Equal("""{"v":2}""", c.Client.PublisherInfo("$news").ChanInfo.ToStringUtf8());
    }

    [Fact]
    public async Task UnrefreshedSubscriptionEndsWithUnsubscribePush2501AfterTheGraceDelay()
    {
        await using var h = new Harness(NoPings);
        var c = await h.ConnectedAsync("42");
        await Subscribe(c, 2, "$news", SubToken(h, new { sub = "42", channel = "$news", exp = Now(h) + 60 }));
        await Subscribe(c, 3, "news", "");

        h.Time.Advance(TimeSpan.FromSeconds(60 + 24));
        Assert.False(c.Transport.TryNext(out _));
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("""{"push":{"channel":"$news","unsubscribe":{"code":2501,"reason":"subscription expired"}}}""", await c.NextAsync());
        Assert.False(c.Client.IsSubscribed("$news"));
        Assert.True(c.Client.IsSubscribed("news"));
        Assert.False(c.Transport.Closed.IsCompleted);

        // The client resubscribes with a fresh token, as centrifuge-js does on code 2501.
        Assert.True((await Subscribe(c, 4, "$news", SubToken(h, new { sub = "42", channel = "$news", exp = Now(h) + 60 }))).TryGetProperty("subscribe", out _));
    }

    [Fact]
    public async Task SubRefreshOfAChannelNotSubscribedGetsError103()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync("42");
        var reply = await c.RequestAsync(2, "sub_refresh", $$$"""{"channel":"$news","token":"{{{SubToken(h, new { sub = "42", channel = "$news" })}}}"}""");
        Assert.Equal(103u, ErrorCode(reply));
    }

    [Fact]
    public async Task SubRefreshWithoutTokenGetsError107()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync("42");
        await Subscribe(c, 2, "$news", SubToken(h, new { sub = "42", channel = "$news", exp = Now(h) + 60 }));
        Assert.Equal(107u, ErrorCode(await c.RequestAsync(3, "sub_refresh", """{"channel":"$news"}""")));
    }

    [Fact]
    public async Task SubRefreshWithExpiredTokenGetsError110()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync("42");
        await Subscribe(c, 2, "$news", SubToken(h, new { sub = "42", channel = "$news", exp = Now(h) + 60 }));
        var reply = await c.RequestAsync(3, "sub_refresh", $$$"""{"channel":"$news","token":"{{{SubToken(h, new { sub = "42", channel = "$news", exp = Now(h) - 1 })}}}"}""");
        Assert.Equal(110u, ErrorCode(reply));
    }

    [Theory]
    [InlineData("""{"sub":"42","channel":"$other"}""", "secret")]
    [InlineData("""{"sub":"7","channel":"$news"}""", "secret")]
    [InlineData("""{"sub":"42","channel":"$news"}""", "forged")]
    public async Task SubRefreshWithAMismatchedOrInvalidTokenDisconnectsWith3500(string claims, string secret)
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync("42");
        await Subscribe(c, 2, "$news", SubToken(h, new { sub = "42", channel = "$news", exp = Now(h) + 60 }));
        Assert.False(await c.SendAsync($$$"""{"id":3,"sub_refresh":{"channel":"$news","token":"{{{Jws.Hmac(secret, claims)}}}"}}"""));
        Assert.Equal(3500u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task SubRefreshOfAServerSideSubscriptionDisconnectsWith3501()
    {
        await using var h = new Harness();
        var c = h.NewClient();
        await c.SendAsync($$$"""{"id":1,"connect":{"token":"{{{h.Token("42", extra: new { channels = new[] { "news" } })}}}"}}""");
        await c.NextJsonAsync();
        Assert.False(await c.SendAsync($$$"""{"id":2,"sub_refresh":{"channel":"news","token":"{{{SubToken(h, new { sub = "42", channel = "news" })}}}"}}"""));
        Assert.Equal(3501u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task ChannelRegexValidatesTheNameAfterTheNamespace()
    {
        await using var h = new Harness(o => o with
        {
            Channels = o.Channels with
            {
                Namespaces =
                [
                    new ChannelNamespace("rx", new ChannelOptions { AllowSubscribeForClient = true, ChannelRegex = "^[a-z0-9]+$" }),
                    new ChannelNamespace("uni", new ChannelOptions { AllowSubscribeForClient = true, ChannelRegex = "^.+$" }),
                ],
            },
        });
        var c = await h.ConnectedAsync("42");
        Assert.True((await c.RequestAsync(2, "subscribe", """{"channel":"rx:abc1"}""")).TryGetProperty("subscribe", out _));
        Assert.Equal(107u, ErrorCode(await c.RequestAsync(3, "subscribe", """{"channel":"rx:ABC"}""")));
        Assert.Equal(107u, ErrorCode(await c.RequestAsync(4, "subscribe", """{"channel":"rx:a:b"}""")));

        // With a regex, names need not be ASCII; without one they must be.
        Assert.True((await c.RequestAsync(5, "subscribe", """{"channel":"uni:café"}""")).TryGetProperty("subscribe", out _));
        Assert.Equal(107u, ErrorCode(await c.RequestAsync(6, "subscribe", """{"channel":"café"}""")));
    }

    private static NodeOptions NoPings(NodeOptions o) => o with { Client = o.Client with { PingInterval = TimeSpan.Zero } };

    /// <summary>TTLs are whole seconds rounded down from the millisecond clock: on a whole second they come out exact.</summary>
    private static void AlignToWholeSecond(Harness h) =>
        h.Time.Advance(TimeSpan.FromMilliseconds(1000 - (h.Time.GetUtcNow().ToUnixTimeMilliseconds() % 1000)));

    private static long Now(Harness h) => h.Time.GetUtcNow().ToUnixTimeSeconds();

    private static string SubToken(Harness h, object claims) => Jws.Hmac(Harness.Secret, claims);

    private static Task<JsonElement> Subscribe(TestClient c, uint id, string channel, string token) =>
        c.RequestAsync(id, "subscribe", JsonSerializer.Serialize(new { channel, token }));

    private static uint ErrorCode(JsonElement reply) => reply.GetProperty("error").GetProperty("code").GetUInt32();

    private static async Task<JsonElement> NextPushAsync(TestClient c, string kind, Func<JsonElement, bool>? filter = null)
    {
        while (true)
        {
            var message = await c.NextJsonAsync();
            if (message.TryGetProperty("push", out var push) && push.TryGetProperty(kind, out var value) && (filter?.Invoke(value) ?? true))
            {
                return value;
            }
        }
    }
}
