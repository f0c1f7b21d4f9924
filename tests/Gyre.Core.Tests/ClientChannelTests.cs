using Gyre.Core.Channels;
using Gyre.Testing;

namespace Gyre.Core.Tests;

public sealed class ClientChannelTests
{
    [Theory]
    [InlineData("nope:1", 102)]
    [InlineData("café", 107)]
    [InlineData("locked:1", 103)]
    public async Task SubscribeIsRefusedWithCentrifugoCodes(string channel, int code)
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync();
        var reply = await c.RequestAsync(2, "subscribe", $$$"""{"channel":"{{{channel}}}"}""");
        Assert.Equal((uint)code, reply.GetProperty("error").GetProperty("code").GetUInt32());
    }

    [Fact]
    public async Task ChannelLongerThanMaxLengthIsBadRequest()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync();
        var reply = await c.RequestAsync(2, "subscribe", $$$"""{"channel":"{{{new string('a', 256)}}}"}""");
        Assert.Equal(107u, reply.GetProperty("error").GetProperty("code").GetUInt32());
    }

    [Fact]
    public async Task EmptyChannelDisconnectsWithBadRequest()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync();
        Assert.False(await c.SendAsync("""{"id":2,"subscribe":{"channel":""}}"""));
        Assert.Equal(3501u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task SecondSubscribeToSameChannelIsAlreadySubscribed()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync();
        Assert.True((await c.RequestAsync(2, "subscribe", """{"channel":"news"}""")).TryGetProperty("subscribe", out _));
        var reply = await c.RequestAsync(3, "subscribe", """{"channel":"news"}""");
        Assert.Equal(105u, reply.GetProperty("error").GetProperty("code").GetUInt32());
    }

    [Fact]
    public async Task SubscribingPastTheChannelLimitIsLimitExceeded()
    {
        await using var h = new Harness(o => o with { Client = o.Client with { ChannelLimit = 2 } });
        var c = await h.ConnectedAsync();
        await c.RequestAsync(2, "subscribe", """{"channel":"a"}""");
        await c.RequestAsync(3, "subscribe", """{"channel":"b"}""");
        var reply = await c.RequestAsync(4, "subscribe", """{"channel":"c"}""");
        Assert.Equal(106u, reply.GetProperty("error").GetProperty("code").GetUInt32());
    }

    [Fact]
    public async Task PrivateChannelWithoutTokenIsPermissionDenied()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync();
        var reply = await c.RequestAsync(2, "subscribe", """{"channel":"$secret"}""");
        Assert.Equal(103u, reply.GetProperty("error").GetProperty("code").GetUInt32());
    }

    [Fact]
    public async Task AnonymousNeedsAllowSubscribeForAnonymous()
    {
        await using var h = new Harness(o => o with { Client = o.Client with { AllowAnonymousConnectWithoutToken = true } });
        var c = h.NewClient();
        await c.SendAsync("""{"id":1,"connect":{}}""");
        await c.NextJsonAsync();
        var reply = await c.RequestAsync(2, "subscribe", """{"channel":"news"}""");
        Assert.Equal(103u, reply.GetProperty("error").GetProperty("code").GetUInt32());
    }

    [Fact]
    public async Task InsecureModeAllowsEverySubscribeAndPublish()
    {
        await using var h = new Harness(o => o with { Client = o.Client with { Insecure = true } });
        var c = h.NewClient();
        await c.SendAsync("""{"id":1,"connect":{}}""");
        await c.NextJsonAsync();
        Assert.True((await c.RequestAsync(2, "subscribe", """{"channel":"locked:1"}""")).TryGetProperty("subscribe", out _));
        Assert.True((await c.RequestAsync(3, "publish", """{"channel":"locked:1","data":{"x":1}}""")).TryGetProperty("publish", out _));
    }

    [Fact]
    public async Task UserLimitedChannelAdmitsOnlyListedUsers()
    {
        await using var h = new Harness(o => o with
        {
            Channels = o.Channels with { Namespaces = [new ChannelNamespace("dm", new ChannelOptions { AllowUserLimitedChannels = true })] },
        });
        var listed = await h.ConnectedAsync("42");
        var other = await h.ConnectedAsync("99");
        Assert.True((await listed.RequestAsync(2, "subscribe", """{"channel":"dm:#42,43"}""")).TryGetProperty("subscribe", out _));
        Assert.Equal(103u, (await other.RequestAsync(2, "subscribe", """{"channel":"dm:#42,43"}""")).GetProperty("error").GetProperty("code").GetUInt32());
    }

    [Fact]
    public async Task ClientPublicationReachesEverySubscriberWithPublisherInfo()
    {
        await using var h = new Harness();
        var a = await h.ConnectedAsync("1");
        var b = await h.ConnectedAsync("2");
        await a.RequestAsync(2, "subscribe", """{"channel":"chat:room"}""");
        await b.RequestAsync(2, "subscribe", """{"channel":"chat:room"}""");
        Assert.True((await a.RequestAsync(3, "publish", """{"channel":"chat:room","data":{"text":"hi"}}""")).TryGetProperty("publish", out _));
        var push = await NextPublicationAsync(b);
        Assert.Equal("""{"text":"hi"}""", push.GetProperty("data").GetRawText());
        Assert.Equal("1", push.GetProperty("info").GetProperty("user").GetString());
        Assert.Equal(a.Client.Id, push.GetProperty("info").GetProperty("client").GetString());
    }

    [Fact]
    public async Task PublishForSubscriberRequiresTheSubscription()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync();
        Assert.Equal(103u, (await c.RequestAsync(2, "publish", """{"channel":"news","data":{}}""")).GetProperty("error").GetProperty("code").GetUInt32());
        await c.RequestAsync(3, "subscribe", """{"channel":"news"}""");
        Assert.True((await c.RequestAsync(4, "publish", """{"channel":"news","data":{}}""")).TryGetProperty("publish", out _));
    }

    [Fact]
    public async Task UnsubscribedClientReceivesNoMorePublications()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync();
        await c.RequestAsync(2, "subscribe", """{"channel":"news"}""");
        Assert.True((await c.RequestAsync(3, "unsubscribe", """{"channel":"news"}""")).TryGetProperty("unsubscribe", out _));
        await h.Node.PublishAsync("news", "1"u8.ToArray(), ChannelOptions.Default);
        await h.Node.PublishAsync("other", "2"u8.ToArray(), ChannelOptions.Default);
        Assert.Equal(0, h.Node.Stats().Channels);
        Assert.False(c.Transport.TryNext(out _));
    }

    [Fact]
    public async Task PresenceListsSubscribersAndJoinLeaveIsPushedOnRequest()
    {
        await using var h = new Harness();
        var a = await h.ConnectedAsync("1");
        var b = await h.ConnectedAsync("2");
        await a.RequestAsync(2, "subscribe", """{"channel":"chat:p","join_leave":true}""");
        await b.RequestAsync(2, "subscribe", """{"channel":"chat:p"}""");
        // The subscriber's own join comes first, then the second client's.
        Assert.Equal("1", (await NextPushAsync(a, "join")).GetProperty("info").GetProperty("user").GetString());
        Assert.Equal("2", (await NextPushAsync(a, "join")).GetProperty("info").GetProperty("user").GetString());

        var presence = (await a.RequestAsync(3, "presence", """{"channel":"chat:p"}""")).GetProperty("presence").GetProperty("presence");
        Assert.True(presence.TryGetProperty(a.Client.Id, out _));
        Assert.True(presence.TryGetProperty(b.Client.Id, out _));
        var stats = (await a.RequestAsync(4, "presence_stats", """{"channel":"chat:p"}""")).GetProperty("presence_stats");
        Assert.Equal(2u, stats.GetProperty("num_clients").GetUInt32());
        Assert.Equal(2u, stats.GetProperty("num_users").GetUInt32());

        await b.Client.CloseAsync(Errors.Disconnect.ForceNoReconnect);
        var leave = await NextPushAsync(a, "leave");
        Assert.Equal(b.Client.Id, leave.GetProperty("info").GetProperty("client").GetString());
    }

    [Fact]
    public async Task PresenceInNamespaceWithoutPresenceIsNotAvailable()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync();
        Assert.Equal(108u, (await c.RequestAsync(2, "presence", """{"channel":"news"}""")).GetProperty("error").GetProperty("code").GetUInt32());
    }

    [Fact]
    public async Task HistoryReturnsPublicationsWithOffsetsAndEpoch()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync();
        var options = h.Node.Channels.Resolve("history:a", out var o) is null ? o : throw new InvalidOperationException();
        for (var i = 1; i <= 3; i++)
        {
            await h.Node.PublishAsync("history:a", System.Text.Encoding.UTF8.GetBytes($$$"""{"n":{{{i}}}}"""), options);
        }

        var history = (await c.RequestAsync(2, "history", """{"channel":"history:a","limit":-1}""")).GetProperty("history");
        Assert.Equal(3, history.GetProperty("publications").GetArrayLength());
        Assert.Equal(3u, history.GetProperty("offset").GetUInt64());
        Assert.Equal(8, history.GetProperty("epoch").GetString()!.Length);
        Assert.Equal(2u, history.GetProperty("publications")[1].GetProperty("offset").GetUInt64());

        var since = (await c.RequestAsync(3, "history", $$$"""{"channel":"history:a","limit":10,"since":{"offset":2,"epoch":"{{{history.GetProperty("epoch").GetString()}}}"}}""")).GetProperty("history");
        Assert.Equal(1, since.GetProperty("publications").GetArrayLength());

        var wrongEpoch = await c.RequestAsync(4, "history", """{"channel":"history:a","limit":10,"since":{"offset":2,"epoch":"other"}}""");
        Assert.Equal(112u, wrongEpoch.GetProperty("error").GetProperty("code").GetUInt32());

        var empty = (await c.RequestAsync(5, "history", """{"channel":"history:a"}""")).GetProperty("history");
        Assert.Equal(0, empty.GetProperty("publications").GetArrayLength());
        Assert.Equal(3u, empty.GetProperty("offset").GetUInt64());
    }

    [Fact]
    public async Task RpcPingAnswersWhenEnabledAndUnknownMethodIsNotFound()
    {
        await using var h = new Harness(o => o with { Rpc = new RpcOptions { PingEnabled = true } });
        var c = await h.ConnectedAsync();
        Assert.Equal("{}", (await c.RequestAsync(2, "rpc", """{"method":"ping"}""")).GetProperty("rpc").GetRawText());
        Assert.Equal(104u, (await c.RequestAsync(3, "rpc", """{"method":"other","data":{}}""")).GetProperty("error").GetProperty("code").GetUInt32());
    }

    [Fact]
    public async Task SendWithoutMessageHandlerDisconnectsWithNotAvailable()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync();
        Assert.False(await c.SendAsync("""{"send":{"data":{"typing":true}}}"""));
        Assert.Equal(3508u, await c.ClosedWithAsync());
    }

    private static async Task<System.Text.Json.JsonElement> NextPublicationAsync(TestClient c) => await NextPushAsync(c, "pub");

    private static async Task<System.Text.Json.JsonElement> NextPushAsync(TestClient c, string kind)
    {
        while (true)
        {
            var message = await c.NextJsonAsync();
            if (message.TryGetProperty("push", out var push) && push.TryGetProperty(kind, out var body))
            {
                return body;
            }
        }
    }
}
