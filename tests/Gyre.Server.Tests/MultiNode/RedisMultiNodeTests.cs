using System.Net;
using System.Text;
using System.Text.Json;
using Gyre.Server.Tests.EndToEnd;
using Gyre.Testing;

namespace Gyre.Server.Tests.MultiNode;

/// <summary>Two Gyre nodes on one Redis, seen from clients and the server API.</summary>
public sealed class RedisMultiNodeTests(RedisNodesFixture cluster) : IClassFixture<RedisNodesFixture>
{
    private static async Task<JsonElement> SubscribeAsync(WireClient client, string channel, int id = 2, string extra = "")
    {
        await client.SendAsync($$$"""{"id":{{{id}}},"subscribe":{"channel":"{{{channel}}}"{{{extra}}}}}""");
        var reply = await Eventually.ReplyAsync(client, id);
        Assert.True(reply.TryGetProperty("subscribe", out var subscribe), reply.GetRawText());
        return subscribe;
    }

    [Fact]
    public async Task PublicationThroughTheApiOfNodeAReachesASubscriberOnNodeB()
    {
        await using var subscriber = await cluster.B.ConnectAsync("reader");
        await SubscribeAsync(subscriber, "news");

        var reply = await cluster.A.ApiAsync("publish", """{"channel":"news","data":{"text":"across"}}""");
        Assert.False(reply.TryGetProperty("error", out _), reply.GetRawText());

        var push = await Eventually.NextPushAsync(subscriber);
        Assert.Equal("news", push.GetProperty("channel").GetString());
        Assert.Equal("""{"text":"across"}""", push.GetProperty("pub").GetProperty("data").GetRawText());
    }

    [Fact]
    public async Task EmulationPostedToNodeBReachesTheStreamOnNodeA()
    {
        await Eventually.WaitAsync(
            () => cluster.B.ApiAsync("info", "{}"),
            reply => reply.GetProperty("result").GetProperty("nodes").GetArrayLength() == 2);
        var token = HmacTokens.Create(TwoNodeFixture.Secret, new { sub = "streamer", iat = HmacTokens.UnixNow() });
        using var open = new HttpRequestMessage(HttpMethod.Post, "/connection/http_stream")
        {
            Content = new StringContent($$$"""{"id":1,"connect":{"token":"{{{token}}}"}}""", Encoding.UTF8, "application/json"),
        };
        var response = await cluster.A.Http.SendAsync(open, HttpCompletionOption.ResponseHeadersRead).WaitAsync(TestTimeouts.Default);
        using var stream = new HttpStreamClient(response, await response.Content.ReadAsStreamAsync());
        var connect = (await stream.NextJsonAsync()).GetProperty("connect");
        Assert.Equal(cluster.A.Node.Id, connect.GetProperty("node").GetString());

        var emulation = JsonSerializer.Serialize(new
        {
            session = connect.GetProperty("session").GetString(),
            node = cluster.A.Node.Id,
            data = """{"id":2,"subscribe":{"channel":"emulated"}}""",
        });
        using var post = await cluster.B.Http.PostAsync(new Uri("/emulation", UriKind.Relative), new StringContent(emulation, Encoding.UTF8, "application/json")).WaitAsync(TestTimeouts.Default);

        Assert.Equal(HttpStatusCode.NoContent, post.StatusCode);
        Assert.Equal("""{"id":2,"subscribe":{}}""", await stream.NextLineAsync());
    }

    [Fact]
    public async Task InfoOnEitherNodeListsBothNodes()
    {
        foreach (var node in new[] { cluster.A, cluster.B })
        {
            var info = await Eventually.WaitAsync(
                () => node.ApiAsync("info", "{}"),
                reply => reply.GetProperty("result").GetProperty("nodes").GetArrayLength() == 2);
            var names = info.GetProperty("result").GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("name").GetString()).Order().ToList();
            Assert.Equal(["a", "b"], names);
        }
    }

    [Fact]
    public async Task PresenceShowsTheClientsOfBothNodes()
    {
        await using var onA = await cluster.A.ConnectAsync("present-a");
        await using var onB = await cluster.B.ConnectAsync("present-b");
        await SubscribeAsync(onA, "room:presence");
        await SubscribeAsync(onB, "room:presence");

        var reply = await cluster.A.ApiAsync("presence", """{"channel":"room:presence"}""");
        var users = reply.GetProperty("result").GetProperty("presence").EnumerateObject().Select(p => p.Value.GetProperty("user").GetString()).Order().ToList();
        Assert.Equal(["present-a", "present-b"], users);
    }

    [Fact]
    public async Task DisconnectThroughNodeAClosesTheUsersConnectionOnNodeB()
    {
        await using var client = await cluster.B.ConnectAsync("to-disconnect");
        var reply = await cluster.A.ApiAsync("disconnect", """{"user":"to-disconnect","disconnect":{"code":4507,"reason":"moved"}}""");
        Assert.False(reply.TryGetProperty("error", out _), reply.GetRawText());

        var (code, reason) = await client.ClosedAsync();
        Assert.Equal(4507, code);
        Assert.Equal("moved", reason);
    }

    [Fact]
    public async Task SubscribeAndUnsubscribeThroughNodeAReachTheUsersConnectionOnNodeB()
    {
        await using var client = await cluster.B.ConnectAsync("server-side");
        await cluster.A.ApiAsync("subscribe", """{"user":"server-side","channel":"alerts","data":{"hello":1}}""");
        var subscribed = await Eventually.NextPushAsync(client);
        Assert.Equal("alerts", subscribed.GetProperty("channel").GetString());
        Assert.True(subscribed.TryGetProperty("subscribe", out _), subscribed.GetRawText());

        await cluster.A.ApiAsync("unsubscribe", """{"user":"server-side","channel":"alerts"}""");
        var unsubscribed = await Eventually.NextPushAsync(client);
        Assert.Equal(2000u, unsubscribed.GetProperty("unsubscribe").GetProperty("code").GetUInt32());
    }

    [Fact]
    public async Task RefreshThroughNodeAReachesTheUsersConnectionOnNodeB()
    {
        await using var client = await cluster.B.ConnectAsync("to-refresh");
        var expireAt = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();
        var reply = await cluster.A.ApiAsync("refresh", $$$"""{"user":"to-refresh","expire_at":{{{expireAt}}}}""");
        Assert.False(reply.TryGetProperty("error", out _), reply.GetRawText());

        var refresh = (await Eventually.NextPushAsync(client)).GetProperty("refresh");
        Assert.True(refresh.GetProperty("expires").GetBoolean(), refresh.GetRawText());
        Assert.InRange(refresh.GetProperty("ttl").GetUInt32(), 3500u, 3600u);

        await cluster.A.ApiAsync("refresh", """{"user":"to-refresh","expire_at":1}""");
        var (code, _) = await client.ClosedAsync();
        Assert.Equal(3005, code);
    }

    [Fact]
    public async Task AClientReconnectingToTheOtherNodeRecoversWhatItMissed()
    {
        string epoch;
        ulong offset;
        await using (var first = await cluster.A.ConnectAsync("mover"))
        {
            var subscribed = await SubscribeAsync(first, "room:moving");
            epoch = subscribed.GetProperty("epoch").GetString()!;
            await cluster.A.ApiAsync("publish", """{"channel":"room:moving","data":1}""");
            var seen = await Eventually.NextPushAsync(first);
            offset = seen.GetProperty("pub").GetProperty("offset").GetUInt64();
        }

        await cluster.B.ApiAsync("publish", """{"channel":"room:moving","data":2}""");
        await cluster.A.ApiAsync("publish", """{"channel":"room:moving","data":3}""");

        await using var second = await cluster.B.ConnectAsync("mover");
        var recovered = await SubscribeAsync(second, "room:moving", extra: $$$""","recover":true,"epoch":"{{{epoch}}}","offset":{{{offset}}}""");
        Assert.True(recovered.GetProperty("recovered").GetBoolean(), recovered.GetRawText());
        Assert.Equal(["2", "3"], recovered.GetProperty("publications").EnumerateArray().Select(p => p.GetProperty("data").GetRawText()));
    }

    [Fact]
    public async Task HealthIsOkWhileTheBrokerRoundTripWorks()
    {
        Assert.Equal(200, await cluster.A.HealthAsync());
        Assert.Equal(200, await cluster.B.HealthAsync());
    }
}

/// <summary>Two Gyre nodes on NATS: publications cross nodes, history is not available.</summary>
public sealed class NatsMultiNodeTests(NatsNodesFixture cluster) : IClassFixture<NatsNodesFixture>
{
    [Fact]
    public async Task PublicationThroughTheApiOfNodeAReachesASubscriberOnNodeB()
    {
        await using var subscriber = await cluster.B.ConnectAsync("reader");
        await subscriber.SendAsync("""{"id":2,"subscribe":{"channel":"news"}}""");
        await Eventually.ReplyAsync(subscriber, 2);

        var reply = await cluster.A.ApiAsync("publish", """{"channel":"news","data":"over nats"}""");
        Assert.False(reply.TryGetProperty("error", out _), reply.GetRawText());
        var push = await Eventually.NextPushAsync(subscriber);
        Assert.Equal("\"over nats\"", push.GetProperty("pub").GetProperty("data").GetRawText());
    }

    [Fact]
    public async Task InfoListsBothNodes() =>
        await Eventually.WaitAsync(
            () => cluster.A.ApiAsync("info", "{}"),
            reply => reply.GetProperty("result").GetProperty("nodes").GetArrayLength() == 2);

    [Fact]
    public async Task HistoryIsNotAvailableOnTheNatsBroker()
    {
        var reply = await cluster.A.ApiAsync("history", """{"channel":"room:x","limit":-1}""");
        Assert.Equal(108, reply.GetProperty("error").GetProperty("code").GetInt32());
    }
}

/// <summary>Redis killed (by the PID the fixture started) and restarted under live nodes.</summary>
public sealed class RedisOutageTests(RedisOutageFixture cluster) : IClassFixture<RedisOutageFixture>
{
    [Fact]
    public async Task WhileRedisIsDownPublishFailsAndHealthSaysSoThenASubscriberWithAGapIsToldToRecover()
    {
        await using var subscriber = await cluster.B.ConnectAsync("outage");
        await subscriber.SendAsync("""{"id":2,"subscribe":{"channel":"room:outage"}}""");
        await Eventually.ReplyAsync(subscriber, 2);
        await cluster.A.ApiAsync("publish", """{"channel":"room:outage","data":1}""");
        Assert.Equal("1", (await Eventually.NextPushAsync(subscriber)).GetProperty("pub").GetProperty("data").GetRawText());

        var port = cluster.RedisPort;
        await cluster.KillRedisAsync();

        var failed = await cluster.A.ApiAsync("publish", """{"channel":"room:outage","data":2}""");
        Assert.Equal(100, failed.GetProperty("error").GetProperty("code").GetInt32());
        await Eventually.WaitAsync(cluster.A.HealthAsync, status => status == 503, TimeSpan.FromSeconds(20));

        // Redis comes back empty (no persistence): the stream starts over under a new epoch.
        await cluster.StartRedisAsync(port);
        await Eventually.WaitAsync(cluster.B.HealthAsync, status => status == 200, TimeSpan.FromSeconds(30));
        await Eventually.WaitAsync(
            () => cluster.A.ApiAsync("publish", """{"channel":"room:outage","data":3}"""),
            reply => !reply.TryGetProperty("error", out _),
            TimeSpan.FromSeconds(30));

        // The subscriber is not left with a silent gap: it is told to resubscribe and recover from history.
        var push = await Eventually.NextPushAsync(subscriber);
        Assert.Equal(2500u, push.GetProperty("unsubscribe").GetProperty("code").GetUInt32());
    }
}
