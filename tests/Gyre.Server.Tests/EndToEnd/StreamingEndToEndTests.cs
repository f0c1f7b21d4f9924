using System.Net;
using System.Net.WebSockets;
using System.Text;
using Google.Protobuf;
using Gyre.Protocol.Messages;
using Gyre.Testing;

namespace Gyre.Server.Tests.EndToEnd;

public sealed class StreamingEndToEndTests(StreamingServerFixture server) : IClassFixture<StreamingServerFixture>
{
    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task HttpStreamConnectCarriesSessionAndNodeAndEmulationFeedsCommandsIntoTheStream()
    {
        using var stream = await server.OpenAsync(HttpMethod.Post, "/connection/http_stream", Utf8($$$"""{"id":1,"connect":{"token":"{{{server.Token("42")}}}"}}"""));
        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        Assert.Contains("no-cache", stream.Response.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        var connect = (await stream.NextJsonAsync()).GetProperty("connect");
        var session = connect.GetProperty("session").GetString()!;
        var node = connect.GetProperty("node").GetString()!;
        Assert.Equal(server.Node.Id, node);
        Assert.True(connect.GetProperty("pong").GetBoolean());

        var emulated = await server.EmulateAsync(session, node, """{"id":2,"subscribe":{"channel":"news"}}""");
        Assert.Equal(HttpStatusCode.NoContent, emulated.StatusCode);
        Assert.Equal("""{"id":2,"subscribe":{}}""", await stream.NextLineAsync());

        await server.ApiAsync("publish", """{"channel":"news","data":{"text":"over a stream"}}""");
        Assert.Equal("""{"push":{"channel":"news","pub":{"data":{"text":"over a stream"}}}}""", await stream.NextLineAsync());
    }

    [Fact]
    public async Task HttpStreamSpeaksProtobufWhenTheBodyIsOctetStream()
    {
        var connect = new Command { Id = 1, Connect = new ConnectRequest { Token = server.Token("7") } };
        using var stream = await server.OpenAsync(HttpMethod.Post, "/connection/http_stream", Delimited(connect), "application/octet-stream");
        var reply = Reply.Parser.ParseDelimitedFrom(stream.Body);
        Assert.Equal(1u, reply.Id);
        Assert.False(string.IsNullOrEmpty(reply.Connect.Session));

        var emulation = new EmulationRequest
        {
            Node = reply.Connect.Node,
            Session = reply.Connect.Session,
            Data = ByteString.CopyFrom(Delimited(new Command { Id = 2, Subscribe = new SubscribeRequest { Channel = "proto" } })),
        };
        var content = new ByteArrayContent(emulation.ToByteArray());
        content.Headers.ContentType = new("application/octet-stream");
        Assert.Equal(HttpStatusCode.NoContent, (await server.Http.PostAsync("/emulation", content).DefaultTimeout()).StatusCode);
        Assert.Equal(2u, (await Task.Run(() => Reply.Parser.ParseDelimitedFrom(stream.Body)).DefaultTimeout()).Id);

        await server.ApiAsync("publish", """{"channel":"proto","data":{"n":1}}""");
        var push = await Task.Run(() => Reply.Parser.ParseDelimitedFrom(stream.Body)).DefaultTimeout();
        Assert.Equal("proto", push.Push.Channel);
        Assert.Equal("""{"n":1}""", push.Push.Pub.Data.ToStringUtf8());
    }

    [Fact]
    public async Task SseConnectsFromTheCfConnectQueryAndSendsEveryReplyAsADataEvent()
    {
        var command = Uri.EscapeDataString($$$"""{"id":1,"connect":{"token":"{{{server.Token("5")}}}"}}""");
        using var stream = await server.OpenAsync(HttpMethod.Get, "/connection/sse?cf_connect=" + command);
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType!.MediaType);
        var connect = (await stream.NextJsonAsync(sse: true)).GetProperty("connect");

        await server.EmulateAsync(connect.GetProperty("session").GetString()!, connect.GetProperty("node").GetString()!, """{"id":2,"subscribe":{"channel":"sse"}}""");
        Assert.Equal("""{"id":2,"subscribe":{}}""", await stream.NextEventAsync());
        await server.ApiAsync("publish", """{"channel":"sse","data":"text"}""");
        Assert.Equal("""{"push":{"channel":"sse","pub":{"data":"text"}}}""", await stream.NextEventAsync());
    }

    [Fact]
    public async Task ServerDisconnectEndsAnEmulatedStreamWithADisconnectPush()
    {
        using var stream = await server.OpenAsync(HttpMethod.Post, "/connection/http_stream", Utf8($$$"""{"id":1,"connect":{"token":"{{{server.Token("gone")}}}"}}"""));
        await stream.NextLineAsync();
        await server.ApiAsync("disconnect", """{"user":"gone","disconnect":{"code":4501,"reason":"bye"}}""");
        var push = (await stream.NextJsonAsync()).GetProperty("push").GetProperty("disconnect");
        Assert.Equal(4501, push.GetProperty("code").GetInt32());
        Assert.Null(await stream.NextLineAsync());
    }

    [Fact]
    public async Task MalformedOrMissingConnectCommandsAreRejectedBeforeTheStreamOpens()
    {
        using var malformed = await server.OpenAsync(HttpMethod.Post, "/connection/http_stream", Utf8("{\"id\":1,\"connect\":"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.Response.StatusCode);
        Assert.Contains("malformed connect command", await malformed.ReadToEndAsync(), StringComparison.Ordinal);

        using var notConnect = await server.OpenAsync(HttpMethod.Post, "/connection/http_stream", Utf8("""{"id":1,"subscribe":{"channel":"x"}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, notConnect.Response.StatusCode);

        using var noQuery = await server.OpenAsync(HttpMethod.Get, "/connection/sse");
        Assert.Equal(HttpStatusCode.BadRequest, noQuery.Response.StatusCode);

        using var wrongMethod = await server.OpenAsync(HttpMethod.Get, "/connection/http_stream");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.Response.StatusCode);
    }

    [Fact]
    public async Task EmulationNamesAnUnknownSessionAndRejectsMalformedAndOversizedBodies()
    {
        var unknown = await server.EmulateAsync("no-such-session", server.Node.Id, "{}");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("unknown session no-such-session", await unknown.Content.ReadAsStringAsync());

        var wrongNode = await server.EmulateAsync("s", "another-node", "{}");
        Assert.Equal(HttpStatusCode.NotFound, wrongNode.StatusCode);
        Assert.StartsWith("unknown node", await wrongNode.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var malformed = await server.Http.PostAsync("/emulation", new StringContent("not json")).DefaultTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);

        var oversized = await server.EmulateAsync("s", "", new string('x', StreamingServerFixture.EmulationBodyLimit));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversized.StatusCode);
        Assert.Contains("emulation.max_request_body_size", await oversized.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedConnectBodyIs413()
    {
        using var stream = await server.OpenAsync(HttpMethod.Post, "/connection/http_stream", new byte[65_537]);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, stream.Response.StatusCode);
    }

    [Fact]
    public async Task PreflightAnswersAllowedOriginsOnlyWithCorsHeaders()
    {
        using var allowed = new HttpRequestMessage(HttpMethod.Options, "/emulation");
        allowed.Headers.Add("Origin", "https://app.example.com");
        allowed.Headers.Add("Access-Control-Request-Headers", "content-type");
        var response = await server.Http.SendAsync(allowed).DefaultTimeout();
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("https://app.example.com", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", response.Headers.GetValues("Access-Control-Allow-Credentials").Single());
        Assert.Equal("content-type", response.Headers.GetValues("Access-Control-Allow-Headers").Single());
        Assert.Equal("POST, OPTIONS", response.Headers.GetValues("Access-Control-Allow-Methods").Single());

        using var foreign = new HttpRequestMessage(HttpMethod.Options, "/connection/http_stream");
        foreign.Headers.Add("Origin", "https://evil.test");
        var rejected = await server.Http.SendAsync(foreign).DefaultTimeout();
        Assert.False(rejected.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task UniHttpStreamSendsBarePushesStartingWithTheConnectPush()
    {
        using var stream = await server.OpenAsync(HttpMethod.Post, "/connection/uni_http_stream", Utf8("{\"token\":\"" + server.Token("u1") + "\",\"subs\":{\"uni\":{}}}"));
        var connect = (await stream.NextJsonAsync()).GetProperty("connect");
        Assert.True(connect.GetProperty("subs").TryGetProperty("uni", out _));
        Assert.False(string.IsNullOrEmpty(connect.GetProperty("session").GetString()));
        Assert.False(connect.TryGetProperty("pong", out _));

        await server.ApiAsync("publish", """{"channel":"uni","data":{"x":1}}""");
        Assert.Equal("""{"channel":"uni","pub":{"data":{"x":1}}}""", await stream.NextLineAsync());
    }

    [Fact]
    public async Task UniHttpStreamRejectsAMalformedConnectRequestWith400()
    {
        using var stream = await server.OpenAsync(HttpMethod.Post, "/connection/uni_http_stream", Utf8("{\"token\":"));
        Assert.Equal(HttpStatusCode.BadRequest, stream.Response.StatusCode);
    }

    [Fact]
    public async Task UniHttpStreamEndsWithADisconnectPushWhenTheTokenIsInvalid()
    {
        using var stream = await server.OpenAsync(HttpMethod.Post, "/connection/uni_http_stream", Utf8("""{"token":"not-a-jwt"}"""));
        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        Assert.Equal(3500, (await stream.NextJsonAsync()).GetProperty("disconnect").GetProperty("code").GetInt32());
        Assert.Null(await stream.NextLineAsync());
    }

    [Fact]
    public async Task UniSseStreamsPushesAsEventsAndMapsConnectCodesToHttpStatuses()
    {
        var request = Uri.EscapeDataString("{\"token\":\"" + server.Token("u2") + "\",\"subs\":{\"unisse\":{}}}");
        using var stream = await server.OpenAsync(HttpMethod.Get, "/connection/uni_sse?cf_connect=" + request);
        Assert.True((await stream.NextJsonAsync(sse: true)).TryGetProperty("connect", out _));
        await server.ApiAsync("publish", """{"channel":"unisse","data":[1]}""");
        Assert.Equal("""{"channel":"unisse","pub":{"data":[1]}}""", await stream.NextEventAsync());

        // The fixture maps 3500 to 403 with the disconnect reason as the body.
        using var refused = await server.OpenAsync(HttpMethod.Get, "/connection/uni_sse?cf_connect=" + Uri.EscapeDataString("""{"token":"bad"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Response.StatusCode);
        Assert.Equal("invalid token", await refused.ReadToEndAsync());
    }

    [Fact]
    public async Task UniWebSocketConnectsWithTheFirstMessageAndSendsOnePushPerMessage()
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{server.BaseUri.Authority}/connection/uni_websocket"), CancellationToken.None).DefaultTimeout();
        await using var client = new WireClient(socket);
        await client.SendAsync("{\"token\":\"" + server.Token("u3") + "\",\"subs\":{\"uniws\":{}}}");
        var first = await client.ReceiveFrameAsync();
        Assert.StartsWith("{\"connect\":", Encoding.UTF8.GetString(first!.Value.Bytes), StringComparison.Ordinal);

        await server.ApiAsync("publish", """{"channel":"uniws","data":1}""");
        await server.ApiAsync("publish", """{"channel":"uniws","data":2}""");
        Assert.Equal("""{"channel":"uniws","pub":{"data":1}}""", Encoding.UTF8.GetString((await client.ReceiveFrameAsync())!.Value.Bytes));
        Assert.Equal("""{"channel":"uniws","pub":{"data":2}}""", Encoding.UTF8.GetString((await client.ReceiveFrameAsync())!.Value.Bytes));

        // Later client messages are ignored, not treated as commands.
        await client.SendAsync("""{"id":5,"subscribe":{"channel":"x"}}""");
        await server.ApiAsync("publish", """{"channel":"uniws","data":3}""");
        Assert.Equal("""{"channel":"uniws","pub":{"data":3}}""", Encoding.UTF8.GetString((await client.ReceiveFrameAsync())!.Value.Bytes));
    }

    [Fact]
    public async Task UniWebSocketClosesWith3501OnAMalformedConnectRequest()
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{server.BaseUri.Authority}/connection/uni_websocket"), CancellationToken.None).DefaultTimeout();
        await using var client = new WireClient(socket);
        await client.SendAsync("not json");
        Assert.Equal(3501, (await client.ClosedAsync()).Code);
    }

    private static byte[] Delimited(IMessage message)
    {
        using var buffer = new MemoryStream();
        message.WriteDelimitedTo(buffer);
        return buffer.ToArray();
    }
}

public sealed class DisabledStreamingTransportsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Theory]
    [InlineData("/connection/http_stream")]
    [InlineData("/connection/sse")]
    [InlineData("/emulation")]
    [InlineData("/connection/uni_http_stream")]
    [InlineData("/connection/uni_sse")]
    [InlineData("/connection/uni_websocket")]
    public async Task TransportsThatAreNotEnabledAre404(string path)
    {
        var response = await server.Http.PostAsync(path, new StringContent("{}")).DefaultTimeout();
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}

public sealed class UniGrpcEndToEndTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task ConsumeStreamsTheConnectPushThenPublicationsAsPushMessages()
    {
        using var channel = global::Grpc.Net.Client.GrpcChannel.ForAddress(server.UniGrpcUri);
        var request = new ConnectRequest { Token = server.Token("g1") };
        request.Subs.Add("grpc", new SubscribeRequest());
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(Gyre.Grpc.UniStream.CentrifugoUniStreamBase.ConsumeMethod, null, new global::Grpc.Core.CallOptions(cancellationToken: timeout.Token), request);
        var stream = call.ResponseStream;

        Assert.True(await stream.MoveNext(timeout.Token));
        var connect = Push.Parser.ParseFrom(stream.Current.Bytes.Span).Connect;
        Assert.NotNull(connect);
        Assert.True(connect.Subs.ContainsKey("grpc"));
        Assert.False(string.IsNullOrEmpty(connect.Session));

        await server.ApiAsync("publish", """{"channel":"grpc","data":{"over":"grpc"}}""");
        Assert.True(await stream.MoveNext(timeout.Token));
        var push = Push.Parser.ParseFrom(stream.Current.Bytes.Span);
        Assert.Equal("grpc", push.Channel);
        Assert.Equal("""{"over":"grpc"}""", push.Pub.Data.ToStringUtf8());
    }

    [Fact]
    public async Task UniGrpcKeepsItsOwnReceiveLimitNextToTheApi()
    {
        using var channel = global::Grpc.Net.Client.GrpcChannel.ForAddress(server.UniGrpcUri);
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        var request = new ConnectRequest { Token = server.Token("g-big"), Data = Google.Protobuf.ByteString.CopyFrom(new byte[ServerFixture.UniGrpcMaxReceive * 2]) };
        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(Gyre.Grpc.UniStream.CentrifugoUniStreamBase.ConsumeMethod, null, new global::Grpc.Core.CallOptions(cancellationToken: timeout.Token), request);
        var refused = await Assert.ThrowsAsync<global::Grpc.Core.RpcException>(async () => await call.ResponseStream.MoveNext(timeout.Token));
        Assert.Equal(global::Grpc.Core.StatusCode.ResourceExhausted, refused.StatusCode);

        // The gRPC API on its own port still takes a message of that size: the limits are per service.
        using var api = global::Grpc.Net.Client.GrpcChannel.ForAddress(server.GrpcUri);
        var data = Google.Protobuf.ByteString.CopyFromUtf8("\"" + new string('x', ServerFixture.UniGrpcMaxReceive * 2) + "\"");
        var published = await new Gyre.Protocol.Api.CentrifugoApi.CentrifugoApiClient(api).PublishAsync(
            new Gyre.Protocol.Api.PublishRequest { Channel = "big-grpc", Data = data },
            new global::Grpc.Core.Metadata { { "authorization", "apikey " + ServerFixture.ApiKey } });
        Assert.Null(published.Error);
    }

    [Fact]
    public async Task ConsumeWithAnInvalidTokenEndsWithADisconnectPush()
    {
        using var channel = global::Grpc.Net.Client.GrpcChannel.ForAddress(server.UniGrpcUri);
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(Gyre.Grpc.UniStream.CentrifugoUniStreamBase.ConsumeMethod, null, new global::Grpc.Core.CallOptions(cancellationToken: timeout.Token), new ConnectRequest { Token = "bad" });
        Assert.True(await call.ResponseStream.MoveNext(timeout.Token));
        Assert.Equal(3500u, Push.Parser.ParseFrom(call.ResponseStream.Current.Bytes.Span).Disconnect.Code);
        Assert.False(await call.ResponseStream.MoveNext(timeout.Token));
    }
}
