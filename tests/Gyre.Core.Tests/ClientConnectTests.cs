using Gyre.Core.Auth;
using Gyre.Testing;

namespace Gyre.Core.Tests;

public sealed class ClientConnectTests
{
    [Fact]
    public async Task ConnectWithValidTokenRepliesWithClientIdPingAndPong()
    {
        await using var h = new Harness();
        var c = h.NewClient();
        await c.SendAsync($$$"""{"id":1,"connect":{"token":"{{{h.Token("42")}}}","name":"js"}}""");
        var reply = await c.NextJsonAsync();
        Assert.Equal(1u, reply.GetProperty("id").GetUInt32());
        var connect = reply.GetProperty("connect");
        Assert.Equal(c.Client.Id, connect.GetProperty("client").GetString());
        Assert.Equal(25u, connect.GetProperty("ping").GetUInt32());
        Assert.True(connect.GetProperty("pong").GetBoolean());
        Assert.False(connect.TryGetProperty("expires", out _));
        Assert.Equal("42", c.Client.UserId);
    }

    [Fact]
    public async Task ConnectWithExpiringTokenReportsExpiresAndTtl()
    {
        await using var h = new Harness();
        var c = h.NewClient();
        await c.SendAsync($$$"""{"id":1,"connect":{"token":"{{{h.Token("42", TimeSpan.FromMinutes(10))}}}"}}""");
        var connect = (await c.NextJsonAsync()).GetProperty("connect");
        Assert.True(connect.GetProperty("expires").GetBoolean());
        Assert.InRange(connect.GetProperty("ttl").GetUInt32(), 595u, 600u);
    }

    [Fact]
    public async Task ConnectWithExpiredTokenRepliesError109AndAcceptsNoFurtherCommand()
    {
        await using var h = new Harness();
        var c = h.NewClient();
        await c.SendAsync($$$"""{"id":1,"connect":{"token":"{{{h.Token("42", TimeSpan.FromMinutes(-1))}}}"}}""");
        var error = (await c.NextJsonAsync()).GetProperty("error");
        Assert.Equal(109u, error.GetProperty("code").GetUInt32());
        Assert.Equal("token expired", error.GetProperty("message").GetString());

        Assert.False(await c.SendAsync("""{"id":2,"subscribe":{"channel":"news"}}"""));
        Assert.Equal(3501u, await c.ClosedWithAsync());
    }

    [Theory]
    [InlineData("HS256")]
    [InlineData("HS384")]
    [InlineData("HS512")]
    public async Task EveryHmacAlgorithmIsAccepted(string algorithm)
    {
        await using var h = new Harness();
        var c = h.NewClient();
        var token = HmacTokens.Create(Harness.Secret, new { sub = "7" }, algorithm);
        await c.SendAsync($$$"""{"id":1,"connect":{"token":"{{{token}}}"}}""");
        Assert.True((await c.NextJsonAsync()).TryGetProperty("connect", out _));
    }

    [Theory]
    [InlineData("wrong-secret")]
    [InlineData("")]
    public async Task TokenSignedWithAnotherKeyDisconnectsWithInvalidToken(string secret)
    {
        await using var h = new Harness();
        var c = h.NewClient();
        var token = secret.Length == 0 ? "not.a.jwt" : HmacTokens.Create(secret, new { sub = "42" });
        Assert.False(await c.SendAsync($$$"""{"id":1,"connect":{"token":"{{{token}}}"}}"""));
        Assert.Equal(3500u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task TokenWithNoneAlgorithmIsRejected()
    {
        await using var h = new Harness();
        var c = h.NewClient();
        var forged = "eyJhbGciOiJub25lIn0." + h.Token("42").Split('.')[1] + ".";
        Assert.False(await c.SendAsync($$$"""{"id":1,"connect":{"token":"{{{forged}}}"}}"""));
        Assert.Equal(3500u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task ConnectWithoutTokenDisconnectsWithBadRequest()
    {
        await using var h = new Harness();
        var c = h.NewClient();
        Assert.False(await c.SendAsync("""{"id":1,"connect":{}}"""));
        Assert.Equal(3501u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task AnonymousConnectIsAllowedWhenConfigured()
    {
        await using var h = new Harness(o => o with { Client = o.Client with { AllowAnonymousConnectWithoutToken = true } });
        var c = h.NewClient();
        await c.SendAsync("""{"id":1,"connect":{}}""");
        Assert.True((await c.NextJsonAsync()).TryGetProperty("connect", out _));
        Assert.Equal("", c.Client.UserId);
    }

    [Fact]
    public async Task CommandBeforeConnectDisconnectsWithBadRequest()
    {
        await using var h = new Harness();
        var c = h.NewClient();
        Assert.False(await c.SendAsync("""{"id":1,"subscribe":{"channel":"news"}}"""));
        Assert.Equal(3501u, await c.ClosedWithAsync());
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2,3]")]
    [InlineData("\n\n")]
    [InlineData("""{"id":"one","connect":{}}""")]
    public async Task MalformedFrameDisconnectsWithBadRequest(string frame)
    {
        await using var h = new Harness();
        var c = h.NewClient();
        Assert.False(await c.SendAsync(frame));
        Assert.Equal(3501u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task UnknownJsonFieldsAreIgnored()
    {
        await using var h = new Harness();
        var c = h.NewClient();
        await c.SendAsync($$$$"""{"id":1,"future":{"x":[1,{"y":2}]},"connect":{"token":"{{{{h.Token("42")}}}}","shiny":true}}""");
        Assert.True((await c.NextJsonAsync()).TryGetProperty("connect", out _));
    }

    [Fact]
    public async Task ConnectAndSubscribeInOneFrameAreHandledInOrder()
    {
        await using var h = new Harness();
        var c = h.NewClient();
        await c.SendAsync($$$"""{"id":1,"connect":{"token":"{{{h.Token("42")}}}"}}""" + "\n" + """{"id":2,"subscribe":{"channel":"news","flag":1}}""");
        Assert.True((await c.NextJsonAsync()).TryGetProperty("connect", out _));
        var subscribe = await c.NextJsonAsync();
        Assert.Equal(2u, subscribe.GetProperty("id").GetUInt32());
        Assert.True(subscribe.TryGetProperty("subscribe", out _));
    }

    [Fact]
    public async Task SecondConnectDisconnectsWithBadRequest()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync();
        Assert.False(await c.SendAsync($$$"""{"id":2,"connect":{"token":"{{{h.Token("42")}}}"}}"""));
        Assert.Equal(3501u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task TokenChannelsBecomeServerSideSubscriptions()
    {
        await using var h = new Harness();
        var c = h.NewClient();
        await c.SendAsync($$$"""{"id":1,"connect":{"token":"{{{h.Token("42", extra: new { channels = new[] { "news", "chat:1" } })}}}"}}""");
        var subs = (await c.NextJsonAsync()).GetProperty("connect").GetProperty("subs");
        Assert.True(subs.TryGetProperty("news", out _));
        Assert.True(subs.TryGetProperty("chat:1", out _));

        await h.Node.PublishAsync("news", """{"n":1}"""u8.ToArray(), Channels.ChannelOptions.Default);
        Assert.Equal("""{"push":{"channel":"news","pub":{"data":{"n":1}}}}""", await c.NextAsync());
    }

    [Fact]
    public async Task ConnectionTokenWithChannelClaimIsInvalid()
    {
        await using var h = new Harness();
        var c = h.NewClient();
        Assert.False(await c.SendAsync($$$"""{"id":1,"connect":{"token":"{{{h.Token("42", extra: new { channel = "news" })}}}"}}"""));
        Assert.Equal(3500u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task ConnectionTokenInfoClaimIsKeptAsRawJson()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var verifier = new TokenVerifier(new TokenOptions { HmacSecretKey = "k" }, time);
        var token = HmacTokens.Create("k", new { sub = "1", info = new { name = "Ann", tags = new[] { 1, 2 } } });
        var verification = await verifier.VerifyConnectionTokenAsync(token);
        Assert.Equal(TokenStatus.Valid, verification.Status);
        Assert.Equal("""{"name":"Ann","tags":[1,2]}""", System.Text.Encoding.UTF8.GetString(verification.Token!.Info.Span));
    }
}
