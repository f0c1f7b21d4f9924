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

/// <summary><c>websocket.write_timeout</c>: a peer that stops reading is dropped once a write stalls that long.</summary>
public sealed class WriteTimeoutTests
{
    private const string Secret = "write-timeout-secret";

    [Fact]
    public async Task APeerThatStopsReadingIsDroppedWhenAWriteStallsPastTheTimeout()
    {
        // A queue bound far above what the test sends: only the write timeout can end this connection.
        var node = NodeOptions.Default with
        {
            Token = new TokenOptions { HmacSecretKey = Secret },
            Client = new ClientOptions { QueueMaxSize = 512 * 1024 * 1024 },
            Channels = new ChannelsOptions { WithoutNamespace = new ChannelOptions { AllowSubscribeForClient = true } },
        };
        var endpoints = GyreEndpointOptions.Default with { WebSocketWriteTimeout = TimeSpan.FromMilliseconds(500), HttpApiInsecure = true };
        await using var app = GyreServerHost.Build(new ServerSettings(node, endpoints, "127.0.0.1", 0, "none"));
        await app.StartAsync();
        var address = GyreServerHost.Addresses(app)[0];
        var gyre = app.Services.GetRequiredService<Node>();

        using var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await socket.ConnectAsync(new Uri($"ws://{address.Authority}/connection/websocket"), timeout.Token);
        var token = HmacTokens.Create(Secret, new { sub = "stalled", iat = HmacTokens.UnixNow() });
        await socket.SendAsync(Encoding.UTF8.GetBytes($$$"""{"id":1,"connect":{"token":"{{{token}}}"}}""" + "\n" + """{"id":2,"subscribe":{"channel":"flood"}}"""), WebSocketMessageType.Text, true, timeout.Token);
        var replies = new byte[4096];
        var read = "";
        while (!read.Contains("\"id\":2", StringComparison.Ordinal))
        {
            var result = await socket.ReceiveAsync(replies, timeout.Token);
            read += Encoding.UTF8.GetString(replies, 0, result.Count);
        }

        // From here the client reads nothing: once the kernel's socket buffers are full, the server's write stalls.
        using var http = new HttpClient { BaseAddress = address };
        var body = new StringContent($$"""{"channel":"flood","data":"{{new string('x', 128 * 1024)}}"}""", Encoding.UTF8, "application/json");
        var published = 0;
        while (gyre.OpenConnections > 0 && !timeout.IsCancellationRequested && published < 2_000)
        {
            using var response = await http.PostAsync(new Uri("/api/publish", UriKind.Relative), body, timeout.Token);
            response.EnsureSuccessStatusCode();
            published++;
        }

        await Eventually.WaitAsync(() => Task.FromResult(gyre.OpenConnections), open => open == 0, TimeSpan.FromSeconds(30));
        Assert.InRange(published, 1, 1_999);
    }
}
