using System.Net.WebSockets;
using System.Text;
using Gyre.AspNetCore;
using Gyre.Core;
using Gyre.Core.Auth;
using Gyre.Core.Channels;
using Gyre.Server.Hosting;
using Gyre.Server.Tests.MultiNode;
using Gyre.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Gyre.Server.Tests.EndToEnd;

/// <summary>
/// Write deadlines (<c>websocket.write_timeout</c>; 1 s for HTTP streams): a peer that stops reading is dropped once a
/// write stalls that long. The queue bound is far above what the test sends, so only the deadline can end it.
/// </summary>
public sealed class WriteTimeoutTests : IAsyncLifetime
{
    private const string Secret = "write-timeout-secret";

    private WebApplication _app = null!;
    private Uri _address = null!;
    private Node _node = null!;

    public async Task InitializeAsync()
    {
        var node = NodeOptions.Default with
        {
            Token = new TokenOptions { HmacSecretKey = Secret },
            Client = new ClientOptions { QueueMaxSize = 512 * 1024 * 1024 },
            Channels = new ChannelsOptions { WithoutNamespace = new ChannelOptions { AllowSubscribeForClient = true } },
        };
        var endpoints = GyreEndpointOptions.Default with
        {
            WebSocketWriteTimeout = TimeSpan.FromMilliseconds(500),
            HttpApiInsecure = true,
            Sse = GyreEndpointOptions.Default.Sse with { Enabled = true },
        };
        _app = GyreServerHost.Build(new ServerSettings(node, endpoints, "127.0.0.1", 0, "none"));
        await _app.StartAsync();
        _address = GyreServerHost.Addresses(_app)[0];
        _node = _app.Services.GetRequiredService<Node>();
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static string Token() => HmacTokens.Create(Secret, new { sub = "stalled", iat = HmacTokens.UnixNow() });

    [Fact]
    public async Task AWebSocketPeerThatStopsReadingIsDropped()
    {
        using var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await socket.ConnectAsync(new Uri($"ws://{_address.Authority}/connection/websocket"), timeout.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes($$$"""{"id":1,"connect":{"token":"{{{Token()}}}"}}""" + "\n" + """{"id":2,"subscribe":{"channel":"flood"}}"""), WebSocketMessageType.Text, true, timeout.Token);
        var replies = new byte[4096];
        var read = "";
        while (!read.Contains("\"id\":2", StringComparison.Ordinal))
        {
            var result = await socket.ReceiveAsync(replies, timeout.Token);
            read += Encoding.UTF8.GetString(replies, 0, result.Count);
        }

        await FloodUntilDroppedAsync(timeout.Token);
    }

    [Fact]
    public async Task AnSsePeerThatStopsReadingIsDropped()
    {
        using var http = new HttpClient { BaseAddress = _address };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var connect = Uri.EscapeDataString("""{"id":1,"connect":{"token":""" + "\"" + Token() + "\"" + ""","subs":{"flood":{}}}}""");
        using var response = await http.GetAsync(new Uri($"/connection/sse?cf_connect={connect}", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        response.EnsureSuccessStatusCode();
        using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
        var buffer = new byte[4096];
        var read = "";
        while (!read.Contains("\"connect\"", StringComparison.Ordinal))
        {
            read += Encoding.UTF8.GetString(buffer, 0, await stream.ReadAsync(buffer, timeout.Token));
        }

        Assert.Contains("\"flood\"", read, StringComparison.Ordinal);
        await FloodUntilDroppedAsync(timeout.Token);
    }

    /// <summary>
    /// Publishes 128 KB messages to the channel the peer holds but no longer reads, until the node has dropped it:
    /// once the kernel's socket buffers are full, the server's write stalls and the deadline ends the connection.
    /// </summary>
    private async Task FloodUntilDroppedAsync(CancellationToken cancellationToken)
    {
        Assert.Equal(1, _node.OpenConnections);
        using var http = new HttpClient { BaseAddress = _address };
        using var body = new StringContent($$"""{"channel":"flood","data":"{{new string('x', 128 * 1024)}}"}""", Encoding.UTF8, "application/json");
        var published = 0;
        while (_node.OpenConnections > 0 && published < 2_000)
        {
            using var response = await http.PostAsync(new Uri("/api/publish", UriKind.Relative), body, cancellationToken);
            response.EnsureSuccessStatusCode();
            published++;
        }

        await Eventually.WaitAsync(() => Task.FromResult(_node.OpenConnections), open => open == 0, TimeSpan.FromSeconds(30));
        Assert.InRange(published, 1, 1_999);
    }
}
