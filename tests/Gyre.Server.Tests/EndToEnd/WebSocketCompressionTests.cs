using System.Net.WebSockets;
using System.Text.Json;
using Gyre.AspNetCore;
using Gyre.Testing;

namespace Gyre.Server.Tests.EndToEnd;

/// <summary>A server with <c>websocket.compression: true</c> and the default limits (64 KB wire, 640 KB inflated).</summary>
public sealed class CompressionServerFixture : ServerFixture
{
    protected override GyreEndpointOptions ConfigureEndpoints(GyreEndpointOptions endpoints) => endpoints with { WebSocketCompression = true };
}

/// <summary>Runs alone: the bomb test reads the process-wide allocation counter.</summary>
[CollectionDefinition(nameof(WebSocketCompressionTests), DisableParallelization = true)]
public sealed class WebSocketCompressionCollection;

[Collection(nameof(WebSocketCompressionTests))]
public sealed class WebSocketCompressionTests(CompressionServerFixture server) : IClassFixture<CompressionServerFixture>
{
    /// <summary>
    /// 32 MiB of zeros deflates to about 32 KB: under the 64 KB wire limit, 51 times the 640 KB inflated limit.
    /// </summary>
    private const int BombSize = 32 * 1024 * 1024;

    private static void OfferDeflate(ClientWebSocketOptions options)
    {
        options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        options.CollectHttpResponseDetails = true;
    }

    [Fact]
    public async Task DeflateIsNegotiatedWhenTheClientOffersIt()
    {
        await using var client = await server.ConnectAsync(configure: OfferDeflate);
        var extensions = client.Socket.HttpResponseHeaders?["Sec-WebSocket-Extensions"];
        Assert.NotNull(extensions);
        Assert.StartsWith("permessage-deflate", Assert.Single(extensions), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeflateIsNotNegotiatedWhenCompressionIsOff()
    {
        var plain = new ServerFixture();
        await plain.InitializeAsync();
        try
        {
            await using var client = await plain.ConnectAsync(configure: OfferDeflate);
            Assert.False(client.Socket.HttpResponseHeaders?.ContainsKey("Sec-WebSocket-Extensions") ?? false);
        }
        finally
        {
            await plain.DisposeAsync();
        }
    }

    [Fact]
    public async Task A200KilobyteCompressedPublicationRoundTrips()
    {
        await using var client = await server.ConnectAsync(configure: OfferDeflate);
        await client.ConnectAsync(server.Token("deflate"));
        await client.SendAsync("""{"id":2,"subscribe":{"channel":"chat:big"}}""");
        Assert.Equal("""{"id":2,"subscribe":{}}""", await client.NextAsync());

        // 200,000 bytes of text: far over the 64 KB message limit uncompressed, a few KB on the wire.
        var text = string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog ", 200_000 / 44 + 1))[..200_000];
        await client.SendAsync($$$$"""{"id":3,"publish":{"channel":"chat:big","data":{"text":"{{{{text}}}}"}}}""");

        var seen = new List<JsonElement>();
        while (seen.Count < 2)
        {
            seen.Add(await client.NextJsonAsync());
        }

        Assert.Contains(seen, m => m.TryGetProperty("id", out var id) && id.GetUInt32() == 3 && m.TryGetProperty("publish", out _));
        var push = Assert.Single(seen, m => m.TryGetProperty("push", out _));
        Assert.Equal(text, push.GetProperty("push").GetProperty("pub").GetProperty("data").GetProperty("text").GetString());
    }

    [Fact]
    public async Task ADecompressionBombIsClosedWith1009WithoutBufferingItAndTheServerStaysHealthy()
    {
        // Sent as 1 MiB fragments of one message, so the client's own deflater works from pooled buffers and
        // the allocation counter below measures the server.
        var zeros = new byte[1024 * 1024];
        await using var client = await server.ConnectAsync(configure: OfferDeflate);
        await client.ConnectAsync(server.Token("bomb"));

        var before = GC.GetTotalAllocatedBytes(precise: true);
        using (var timeout = new CancellationTokenSource(TestTimeouts.Default))
        {
            for (var sent = 0; sent < BombSize; sent += zeros.Length)
            {
                await client.Socket.SendAsync(zeros, WebSocketMessageType.Binary, endOfMessage: sent + zeros.Length == BombSize, timeout.Token);
            }
        }

        var (code, reason) = await client.ClosedAsync();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(1009, code);
        Assert.Equal("message too big", reason);

        // Inflating the whole message would allocate at least its 32 MiB; the receive loop stops after 640 KB.
        Assert.True(allocated < 8 * 1024 * 1024, $"allocated {allocated:N0} bytes while rejecting a {BombSize:N0}-byte bomb");

        Assert.Equal("{}", await server.Http.GetStringAsync("/health").WaitAsync(TestTimeouts.Default));
        await using var next = await server.ConnectAsync(configure: OfferDeflate);
        Assert.True((await next.ConnectAsync(server.Token("bomb"))).TryGetProperty("client", out _));
    }
}
