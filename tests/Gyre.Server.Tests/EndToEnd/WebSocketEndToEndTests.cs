using System.Net;
using System.Net.WebSockets;
using Google.Protobuf;
using Gyre.Protocol.Messages;
using Gyre.Testing;

namespace Gyre.Server.Tests.EndToEnd;

public sealed class WebSocketEndToEndTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task ClientConnectsSubscribesAndReceivesAPublicationFromTheHttpApi()
    {
        await using var client = await server.ConnectAsync();
        var connect = await client.ConnectAsync(server.Token("42"));
        Assert.False(string.IsNullOrEmpty(connect.GetProperty("client").GetString()));

        await client.SendAsync("""{"id":2,"subscribe":{"channel":"news"}}""");
        Assert.Equal("""{"id":2,"subscribe":{}}""", await client.NextAsync());

        var response = await server.ApiAsync("publish", """{"channel":"news","data":{"text":"hello"}}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"result":{}}""", await response.Content.ReadAsStringAsync());
        Assert.Equal("""{"push":{"channel":"news","pub":{"data":{"text":"hello"}}}}""", await client.NextAsync());
    }

    [Fact]
    public async Task ClientPublicationReachesAnotherConnection()
    {
        await using var a = await server.ConnectAsync();
        await using var b = await server.ConnectAsync();
        await a.ConnectAsync(server.Token("1"));
        await b.ConnectAsync(server.Token("2"));
        await b.SendAsync("""{"id":2,"subscribe":{"channel":"chat:x"}}""");
        await b.NextAsync();
        await a.SendAsync("""{"id":2,"publish":{"channel":"chat:x","data":[1,2,3]}}""");
        Assert.Equal("""{"id":2,"publish":{}}""", await a.NextAsync());
        var push = await b.NextJsonAsync();
        Assert.Equal("[1,2,3]", push.GetProperty("push").GetProperty("pub").GetProperty("data").GetRawText());
    }

    [Fact]
    public async Task MalformedFrameClosesWithBadRequestAndPlainTextReason()
    {
        await using var client = await server.ConnectAsync();
        await client.SendAsync("this is not json");
        var (code, reason) = await client.ClosedAsync();
        Assert.Equal(3501, code);
        Assert.Equal("bad request", reason);
    }

    [Fact]
    public async Task CommandBeforeConnectClosesWithBadRequest()
    {
        await using var client = await server.ConnectAsync();
        await client.SendAsync("""{"id":1,"subscribe":{"channel":"news"}}""");
        Assert.Equal(3501, (await client.ClosedAsync()).Code);
    }

    [Fact]
    public async Task InvalidTokenClosesWith3500()
    {
        await using var client = await server.ConnectAsync();
        await client.SendAsync($$$"""{"id":1,"connect":{"token":"{{{HmacTokens.Create("other", new { sub = "1" })}}}"}}""");
        Assert.Equal(3500, (await client.ClosedAsync()).Code);
    }

    [Fact]
    public async Task FrameLargerThanTheSizeLimitIsClosedWith1009AndTheServerStaysHealthy()
    {
        await using var client = await server.ConnectAsync();
        await client.ConnectAsync(server.Token("42"));
        await client.SendAsync("{\"id\":2,\"publish\":{\"channel\":\"news\",\"data\":\"" + new string('x', 70_000) + "\"}}");
        Assert.Equal(1009, (await client.ClosedAsync()).Code);

        Assert.Equal("{}", await server.Http.GetStringAsync("/health").WaitAsync(TestTimeouts.Default));
        await using var next = await server.ConnectAsync();
        Assert.True((await next.ConnectAsync(server.Token("42"))).TryGetProperty("client", out _));
    }

    [Fact]
    public async Task DisallowedOriginIsRefusedBeforeTheUpgrade()
    {
        var error = await Assert.ThrowsAsync<WebSocketException>(() => server.ConnectAsync(origin: "https://evil.test"));
        Assert.Contains("403", error.Message, StringComparison.Ordinal);
        await using var allowed = await server.ConnectAsync(origin: "https://app.example.com");
        Assert.Equal(WebSocketState.Open, allowed.Socket.State);
    }

    [Fact]
    public async Task ProtobufSubprotocolIsEchoedAndRepliesAreBinaryDelimitedMessages()
    {
        await using var client = await server.ConnectAsync(subprotocol: "centrifuge-protobuf");
        Assert.Equal("centrifuge-protobuf", client.Socket.SubProtocol);
        using var frame = new MemoryStream();
        new Command { Id = 1, Connect = new ConnectRequest { Token = server.Token("7") } }.WriteDelimitedTo(frame);
        await client.SendAsync(frame.ToArray(), WebSocketMessageType.Binary);
        var (bytes, type) = (await client.ReceiveFrameAsync())!.Value;
        Assert.Equal(WebSocketMessageType.Binary, type);
        var reply = Reply.Parser.ParseDelimitedFrom(new MemoryStream(bytes));
        Assert.Equal(1u, reply.Id);
        Assert.False(string.IsNullOrEmpty(reply.Connect.Client));
    }

    [Fact]
    public async Task ClosingTheSocketRemovesTheClientFromTheNode()
    {
        var client = await server.ConnectAsync();
        await client.ConnectAsync(server.Token("gone"));
        Assert.Single(server.Node.UserConnections("gone"));
        using (var timeout = new CancellationTokenSource(TestTimeouts.Default))
        {
            await client.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
        }

        await client.DisposeAsync();
        using var wait = new CancellationTokenSource(TestTimeouts.Default);
        while (server.Node.UserConnections("gone").Count != 0)
        {
            await Task.Delay(10, wait.Token);
        }
    }
}
