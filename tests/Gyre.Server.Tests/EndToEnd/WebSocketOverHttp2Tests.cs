using System.Net;
using System.Net.WebSockets;
using Gyre.Testing;

namespace Gyre.Server.Tests.EndToEnd;

/// <summary>WebSocket over HTTP/2 (RFC 8441 extended CONNECT) on the server's cleartext HTTP/2 port.</summary>
public sealed class WebSocketOverHttp2Tests(ServerFixture server) : IClassFixture<ServerFixture>
{
    /// <summary>Opens <c>/connection/websocket</c> with HTTP/2 required: no fallback to an HTTP/1.1 upgrade.</summary>
    private async Task<WireClient> ConnectOverHttp2Async(Uri h2cPort)
    {
        var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.CollectHttpResponseDetails = true;
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        await socket.ConnectAsync(new Uri($"ws://{h2cPort.Authority}/connection/websocket"), invoker, timeout.Token);
        return new WireClient(socket);
    }

    [Fact]
    public async Task AnHttp2WebSocketConnectsSubscribesAndReceivesAPublication()
    {
        await using var client = await ConnectOverHttp2Async(server.GrpcClientUri);

        // An HTTP/2 WebSocket is accepted with 200 to the CONNECT; an HTTP/1.1 upgrade would be 101.
        Assert.Equal(HttpStatusCode.OK, client.Socket.HttpStatusCode);
        Assert.True(client.Socket.State == WebSocketState.Open);
        await client.ConnectAsync(server.Token("h2"));
        await client.SendAsync("""{"id":2,"subscribe":{"channel":"h2-news"}}""");
        Assert.Equal("""{"id":2,"subscribe":{}}""", await client.NextAsync());

        var response = await server.ApiAsync("publish", """{"channel":"h2-news","data":{"over":"h2"}}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"push":{"channel":"h2-news","pub":{"data":{"over":"h2"}}}}""", await client.NextAsync());
    }

    [Fact]
    public async Task TheGrpcApiPortAcceptsHttp2WebSocketsToo()
    {
        await using var client = await ConnectOverHttp2Async(server.GrpcUri);
        Assert.Equal(HttpStatusCode.OK, client.Socket.HttpStatusCode);
        Assert.True((await client.ConnectAsync(server.Token("h2-api-port"))).TryGetProperty("client", out _));
    }
}
