using System.Net;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Gyre.Protocol.Api;
using Gyre.Testing;

namespace Gyre.Server.Tests.EndToEnd;

/// <summary>Every server API method over HTTP and over gRPC, with visible effects on live connections.</summary>
public sealed class ServerApiEndToEndTests(ServerFixture server) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(server.GrpcUri);

    private CentrifugoApi.CentrifugoApiClient Grpc => new(_channel);

    private static Metadata Key => new() { { "authorization", "apikey " + ServerFixture.ApiKey } };

    public void Dispose() => _channel.Dispose();

    private async Task<WireClient> ConnectedAsync(string user)
    {
        var client = await server.ConnectAsync();
        await client.ConnectAsync(server.Token(user));
        return client;
    }

    private static async Task<JsonElement> NextPushAsync(WireClient client)
    {
        while (true)
        {
            var message = await client.NextJsonAsync();
            if (message.TryGetProperty("push", out var push))
            {
                return push;
            }
        }
    }

    [Fact]
    public async Task HttpSubscribeAddsAServerSideSubscriptionThatReceivesPublications()
    {
        await using var client = await ConnectedAsync("sub-http");
        var reply = await server.ApiJsonAsync("subscribe", """{"channel":"news-sub","user":"sub-http","data":{"welcome":true}}""");
        Assert.Equal("{}", reply.GetProperty("result").GetRawText());
        var push = await NextPushAsync(client);
        Assert.Equal("news-sub", push.GetProperty("channel").GetString());
        Assert.Equal("""{"welcome":true}""", push.GetProperty("subscribe").GetProperty("data").GetRawText());

        await server.ApiJsonAsync("publish", """{"channel":"news-sub","data":1}""");
        Assert.Equal("1", (await NextPushAsync(client)).GetProperty("pub").GetProperty("data").GetRawText());
    }

    [Fact]
    public async Task HttpUnsubscribePushesServerUnsubscribe()
    {
        await using var client = await ConnectedAsync("unsub-http");
        await client.SendAsync("""{"id":2,"subscribe":{"channel":"u1"}}""");
        await client.NextAsync();
        await server.ApiJsonAsync("unsubscribe", """{"channel":"u1","user":"unsub-http"}""");
        var push = await NextPushAsync(client);
        Assert.Equal(2000u, push.GetProperty("unsubscribe").GetProperty("code").GetUInt32());
    }

    [Fact]
    public async Task HttpDisconnectClosesWithTheRequestedCodeAndSparesTheWhitelist()
    {
        await using var kept = await ConnectedAsync("disc-http");
        await using var dropped = await ConnectedAsync("disc-http");
        var all = server.Node.UserConnections("disc-http").Select(c => c.Id).ToList();
        Assert.Equal(2, all.Count);
        var reply = await server.ApiJsonAsync("disconnect", $$$"""{"user":"disc-http","disconnect":{"code":4501,"reason":"bye"},"whitelist":["{{{all[0]}}}"]}""");
        Assert.False(reply.TryGetProperty("error", out _));
        using var wait = new CancellationTokenSource(TestTimeouts.Default);
        while (server.Node.UserConnections("disc-http").Count != 1)
        {
            await Task.Delay(10, wait.Token);
        }

        Assert.Equal(all[0], server.Node.UserConnections("disc-http")[0].Id);
    }

    [Fact]
    public async Task HttpRefreshWithExpiredClosesWith3005()
    {
        await using var client = await ConnectedAsync("refresh-http");
        await server.ApiJsonAsync("refresh", """{"user":"refresh-http","expired":true}""");
        Assert.Equal(3005, (await client.ClosedAsync()).Code);
    }

    [Fact]
    public async Task HttpRefreshWithAPastExpireAtClosesAtOnce()
    {
        await using var client = await ConnectedAsync("refresh-past");
        var past = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 1;
        await server.ApiJsonAsync("refresh", $$"""{"user":"refresh-past","expire_at":{{past}}}""");
        var closed = await client.ClosedAsync();
        Assert.Equal((3005, "connection expired"), (closed.Code, closed.Reason));
    }

    [Fact]
    public async Task HttpRefreshMovesOrRemovesTheExpiryAndPushesIt()
    {
        await using var client = await ConnectedAsync("refresh-move");
        var later = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 600;

        await server.ApiJsonAsync("refresh", $$"""{"user":"refresh-move","expire_at":{{later}}}""");
        var moved = (await NextPushAsync(client)).GetProperty("refresh");
        await server.ApiJsonAsync("refresh", """{"user":"refresh-move","expire_at":0}""");
        var removed = (await NextPushAsync(client)).GetProperty("refresh");

        Assert.True(moved.GetProperty("expires").GetBoolean());
        Assert.InRange(moved.GetProperty("ttl").GetUInt32(), 590u, 600u);
        Assert.False(removed.TryGetProperty("expires", out _));
        Assert.False(removed.TryGetProperty("ttl", out _));
    }

    [Fact]
    public async Task HttpPresenceHistoryAndHistoryRemoveWork()
    {
        await using var client = await ConnectedAsync("pres-http");
        await client.SendAsync("""{"id":2,"subscribe":{"channel":"room:1"}}""");
        await client.NextAsync();
        var presence = (await server.ApiJsonAsync("presence", """{"channel":"room:1"}""")).GetProperty("result").GetProperty("presence");
        Assert.Equal("pres-http", presence.EnumerateObject().Single().Value.GetProperty("user").GetString());
        var stats = (await server.ApiJsonAsync("presence_stats", """{"channel":"room:1"}""")).GetProperty("result");
        Assert.Equal(1u, stats.GetProperty("num_clients").GetUInt32());

        var published = (await server.ApiJsonAsync("publish", """{"channel":"room:1","data":{"a":1}}""")).GetProperty("result");
        Assert.Equal(1u, published.GetProperty("offset").GetUInt64());
        var history = (await server.ApiJsonAsync("history", """{"channel":"room:1","limit":-1}""")).GetProperty("result");
        Assert.Equal("""{"a":1}""", history.GetProperty("publications")[0].GetProperty("data").GetRawText());
        Assert.Equal(published.GetProperty("epoch").GetString(), history.GetProperty("epoch").GetString());

        await server.ApiJsonAsync("history_remove", """{"channel":"room:1"}""");
        var emptied = (await server.ApiJsonAsync("history", """{"channel":"room:1","limit":-1}""")).GetProperty("result");
        Assert.Equal(0, emptied.GetProperty("publications").GetArrayLength());
        Assert.Equal(1u, emptied.GetProperty("offset").GetUInt64());

        Assert.Equal(108u, (await server.ApiJsonAsync("presence", """{"channel":"news"}""")).GetProperty("error").GetProperty("code").GetUInt32());
        Assert.Equal(108u, (await server.ApiJsonAsync("history", """{"channel":"news"}""")).GetProperty("error").GetProperty("code").GetUInt32());
        Assert.Equal(112u, (await server.ApiJsonAsync("history", """{"channel":"room:1","since":{"offset":0,"epoch":"x"}}""")).GetProperty("error").GetProperty("code").GetUInt32());
    }

    [Fact]
    public async Task HttpPublishDropsStaleVersionsAndRepeatedIdempotencyKeys()
    {
        await using var client = await ConnectedAsync("versions");
        await client.SendAsync("""{"id":2,"subscribe":{"channel":"room:versions"}}""");
        await client.NextAsync();

        var v2 = await server.ApiJsonAsync("publish", """{"channel":"room:versions","data":"v2","version":2,"version_epoch":"e"}""");
        var v1 = await server.ApiJsonAsync("publish", """{"channel":"room:versions","data":"v1","version":1,"version_epoch":"e"}""");
        var once = await server.ApiJsonAsync("publish", """{"channel":"room:versions","data":"once","idempotency_key":"k"}""");
        var twice = await server.ApiJsonAsync("publish", """{"channel":"room:versions","data":"once","idempotency_key":"k"}""");
        await server.ApiJsonAsync("publish", """{"channel":"room:versions","data":"v3","version":3,"version_epoch":"e"}""");

        Assert.Equal(1UL, v2.GetProperty("result").GetProperty("offset").GetUInt64());
        Assert.Equal(1UL, v1.GetProperty("result").GetProperty("offset").GetUInt64());
        Assert.Equal(once.GetProperty("result").GetRawText(), twice.GetProperty("result").GetRawText());
        var received = new List<string?>();
        for (var i = 0; i < 3; i++)
        {
            received.Add((await NextPushAsync(client)).GetProperty("pub").GetProperty("data").GetString());
        }

        Assert.Equal(["v2", "once", "v3"], received);
    }

    [Fact]
    public async Task HttpChannelsListsActiveChannelsMatchingThePattern()
    {
        await using var client = await ConnectedAsync("chan-http");
        await client.SendAsync("""{"id":2,"subscribe":{"channel":"listed-1"}}""");
        await client.NextAsync();
        var channels = (await server.ApiJsonAsync("channels", """{"pattern":"listed-*"}""")).GetProperty("result").GetProperty("channels");
        Assert.Equal(1u, channels.GetProperty("listed-1").GetProperty("num_clients").GetUInt32());
        Assert.All(channels.EnumerateObject(), c => Assert.StartsWith("listed-", c.Name, StringComparison.Ordinal));

        var alternatives = (await server.ApiJsonAsync("channels", """{"pattern":"listed-{0,1}"}""")).GetProperty("result").GetProperty("channels");
        Assert.True(alternatives.TryGetProperty("listed-1", out _));
        var negated = (await server.ApiJsonAsync("channels", """{"pattern":"listed-[!1]"}""")).GetProperty("result").GetProperty("channels");
        Assert.False(negated.TryGetProperty("listed-1", out _));
        var malformed = await server.ApiJsonAsync("channels", """{"pattern":"listed-[1"}""");
        Assert.Equal(100, malformed.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task HttpRpcAnswersNotFoundAndBadRequestForAnEmptyMethod()
    {
        Assert.Equal(104u, (await server.ApiJsonAsync("rpc", """{"method":"x"}""")).GetProperty("error").GetProperty("code").GetUInt32());
        Assert.Equal(107u, (await server.ApiJsonAsync("rpc", "{}")).GetProperty("error").GetProperty("code").GetUInt32());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HttpBatchRunsCommandsAndKeepsTheirOrder(bool parallel)
    {
        var commands = """[{"publish":{"channel":"a","data":{}}},{"publish":{"channel":"nope:b","data":{}}},{},{"info":{}}]""";
        var reply = await server.ApiJsonAsync("batch", "{\"parallel\":" + (parallel ? "true" : "false") + ",\"commands\":" + commands + "}");
        var replies = reply.GetProperty("replies");
        Assert.Equal(4, replies.GetArrayLength());
        Assert.Equal("{}", replies[0].GetProperty("publish").GetRawText());
        Assert.Equal(102u, replies[1].GetProperty("error").GetProperty("code").GetUInt32());
        Assert.Equal(104u, replies[2].GetProperty("error").GetProperty("code").GetUInt32());
        Assert.True(replies[3].GetProperty("info").TryGetProperty("nodes", out _));
    }

    [Fact]
    public async Task LegacyEndpointRunsNewlineSeparatedCommands()
    {
        var body = """
            {"id":1,"method":"publish","params":{"channel":"legacy","data":{"x":1}}}
            {"id":2,"method":"INFO","params":{}}
            {"id":3,"method":9}
            {"id":4,"method":"nope"}
            """;
        var response = await server.ApiAsync("", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(4, lines.Count);
        Assert.Equal("{}", lines[0].GetProperty("result").GetRawText());
        Assert.True(lines[1].GetProperty("result").TryGetProperty("nodes", out _));
        Assert.True(lines[2].GetProperty("result").TryGetProperty("nodes", out _));
        Assert.Equal(104u, lines[3].GetProperty("error").GetProperty("code").GetUInt32());
    }

    [Fact]
    public async Task GrpcPublishReachesASubscriber()
    {
        await using var client = await ConnectedAsync("grpc-pub");
        await client.SendAsync("""{"id":2,"subscribe":{"channel":"grpc-news"}}""");
        await client.NextAsync();
        var response = await Grpc.PublishAsync(new PublishRequest { Channel = "grpc-news", Data = ByteString.CopyFromUtf8("""{"via":"grpc"}""") }, Key);
        Assert.Null(response.Error);
        Assert.Equal("""{"via":"grpc"}""", (await NextPushAsync(client)).GetProperty("pub").GetProperty("data").GetRawText());
    }

    [Fact]
    public async Task GrpcWithoutOrWithAWrongKeyIsUnauthenticated()
    {
        var missing = await Assert.ThrowsAsync<RpcException>(async () => await Grpc.InfoAsync(new InfoRequest()));
        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        var wrong = await Assert.ThrowsAsync<RpcException>(async () => await Grpc.InfoAsync(new InfoRequest(), new Metadata { { "authorization", "apikey nope" } }));
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
    }

    [Fact]
    public async Task GrpcErrorsAreInTheResponseOrTheStatusInTransportMode()
    {
        var inBody = await Grpc.PublishAsync(new PublishRequest { Channel = "nope:1", Data = ByteString.CopyFromUtf8("{}") }, Key);
        Assert.Equal(102u, inBody.Error.Code);

        var headers = Key;
        headers.Add("x-centrifugo-error-mode", "transport");
        var status = await Assert.ThrowsAsync<RpcException>(async () => await Grpc.PublishAsync(new PublishRequest { Channel = "nope:1", Data = ByteString.CopyFromUtf8("{}") }, headers));
        Assert.Equal(StatusCode.NotFound, status.StatusCode);
        Assert.Equal("unknown channel", status.Status.Detail);

        // The API error rides along as a google.rpc.Status detail, as Centrifugo attaches it.
        var details = status.GetRpcStatus();
        Assert.NotNull(details);
        var any = Assert.Single(details.Details);
        Assert.Equal("type.googleapis.com/centrifugal.centrifugo.api.Error", any.TypeUrl);
        Assert.Equal(new Error { Code = 102, Message = "unknown channel" }, any.Unpack<Error>());
    }

    [Fact]
    public async Task GrpcReflectionListsTheApiService()
    {
        var reflection = new global::Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(_channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new global::Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("centrifugal.centrifugo.api.CentrifugoApi", services);
    }

    [Fact]
    public async Task GrpcCoversEveryMethodThroughTheSameExecutor()
    {
        await using var client = await ConnectedAsync("grpc-all");
        await client.SendAsync("""{"id":2,"subscribe":{"channel":"room:grpc"}}""");
        await client.NextAsync();
        var api = Grpc;
        Assert.Null((await api.BroadcastAsync(new BroadcastRequest { Channels = { "room:grpc", "x" }, Data = ByteString.CopyFromUtf8("1") }, Key)).Error);
        Assert.Equal(1u, (await api.PresenceStatsAsync(new PresenceStatsRequest { Channel = "room:grpc" }, Key)).Result.NumClients);
        Assert.Single((await api.PresenceAsync(new PresenceRequest { Channel = "room:grpc" }, Key)).Result.Presence);
        Assert.Single((await api.HistoryAsync(new HistoryRequest { Channel = "room:grpc", Limit = -1 }, Key)).Result.Publications);
        Assert.Null((await api.HistoryRemoveAsync(new HistoryRemoveRequest { Channel = "room:grpc" }, Key)).Error);
        Assert.True((await api.ChannelsAsync(new ChannelsRequest { Pattern = "room:*" }, Key)).Result.Channels.ContainsKey("room:grpc"));
        Assert.Single((await api.InfoAsync(new InfoRequest(), Key)).Result.Nodes);
        Assert.Equal(104u, (await api.RPCAsync(new RPCRequest { Method = "m" }, Key)).Error.Code);
        Assert.Null((await api.SubscribeAsync(new SubscribeRequest { Channel = "grpc-extra", User = "grpc-all" }, Key)).Error);
        Assert.Null((await api.UnsubscribeAsync(new UnsubscribeRequest { Channel = "grpc-extra", User = "grpc-all" }, Key)).Error);
        Assert.Null((await api.RefreshAsync(new RefreshRequest { User = "grpc-all", ExpireAt = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds() }, Key)).Error);
        var batch = await api.BatchAsync(new BatchRequest { Commands = { new Command { Info = new InfoRequest() }, new Command() } }, Key);
        Assert.Equal(104u, batch.Replies[1].Error.Code);
        Assert.Null((await api.DisconnectAsync(new DisconnectRequest { User = "grpc-all" }, Key)).Error);
        Assert.Equal(3503, (await client.ClosedAsync()).Code);
    }
}
