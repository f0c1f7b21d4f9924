using System.Net;
using System.Net.WebSockets;
using Gyre.AspNetCore;
using Gyre.Core;
using Gyre.Core.Auth;
using Gyre.Server.Hosting;
using Gyre.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Gyre.Server.Tests.EndToEnd;

public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task UpgradeBeyondTheConnectionLimitGets503AndASlotFreesOnClose()
    {
        await using var server = await StartAsync(new ClientOptions { ConnectionLimit = 1 });
        var first = await OpenAsync(server);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await RefusedStatusAsync(server));

        // The server answers the close handshake only after it has forgotten the connection, so the slot is free now.
        using (var timeout = new CancellationTokenSource(TestTimeouts.Default))
        {
            await first.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        }

        first.Dispose();
        Assert.Equal(0, server.Node.OpenConnections);
        using var again = await OpenAsync(server);
        Assert.Equal(WebSocketState.Open, again.State);
    }

    [Fact]
    public async Task UpgradesBeyondTheRatePerSecondGet503()
    {
        await using var server = await StartAsync(new ClientOptions { ConnectionRateLimit = 2 });
        using var a = await OpenAsync(server);
        using var b = await OpenAsync(server);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await RefusedStatusAsync(server));
    }

    [Fact]
    public async Task RateLimitRefillsAtTheConfiguredConnectionsPerSecond()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await StartAsync(new ClientOptions { ConnectionRateLimit = 4 }, time);
        var open = new List<ClientWebSocket>();
        for (var i = 0; i < 4; i++)
        {
            open.Add(await OpenAsync(server));
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await RefusedStatusAsync(server));

        // A quarter of a second refills one connection at 4 per second (Go's rate.Every(time.Second) would need a second).
        time.Advance(TimeSpan.FromMilliseconds(250));
        open.Add(await OpenAsync(server));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await RefusedStatusAsync(server));

        time.Advance(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 4; i++)
        {
            open.Add(await OpenAsync(server));
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await RefusedStatusAsync(server));
        open.ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task WithoutLimitsManyConnectionsAreAccepted()
    {
        await using var server = await StartAsync(new ClientOptions());
        var sockets = new List<ClientWebSocket>();
        for (var i = 0; i < 5; i++)
        {
            sockets.Add(await OpenAsync(server));
        }

        Assert.All(sockets, s => Assert.Equal(WebSocketState.Open, s.State));
        sockets.ForEach(s => s.Dispose());
    }

    private static async Task<RunningServer> StartAsync(ClientOptions client, TimeProvider? time = null)
    {
        var node = NodeOptions.Default with { Token = new TokenOptions { HmacSecretKey = "s" }, Client = client };
        WebApplication app;
        if (time is null)
        {
            app = GyreServerHost.Build(new ServerSettings(node, GyreEndpointOptions.Default, "127.0.0.1", 0, "none"));
        }
        else
        {
            // The node takes its clock from the container, so the limiter's bucket runs on the fake clock.
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            builder.Services.AddSingleton(time);
            builder.Services.AddGyre(node, GyreEndpointOptions.Default);
            app = builder.Build();
            app.UseGyre();
        }

        await app.StartAsync();
        return new RunningServer(app, GyreServerHost.Addresses(app)[0]);
    }

    private static async Task<ClientWebSocket> OpenAsync(RunningServer server)
    {
        var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        await socket.ConnectAsync(server.WebSocketUri, timeout.Token);
        return socket;
    }

    /// <summary>The status of an upgrade the server refuses (ClientWebSocket reports it when asked to collect details).</summary>
    private static async Task<HttpStatusCode> RefusedStatusAsync(RunningServer server)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(server.WebSocketUri, timeout.Token));
        return socket.HttpStatusCode;
    }

    private sealed class RunningServer(WebApplication app, Uri baseUri) : IAsyncDisposable
    {
        public Node Node { get; } = app.Services.GetService(typeof(Node)) as Node ?? throw new InvalidOperationException("no node");

        public Uri WebSocketUri { get; } = new($"ws://{baseUri.Authority}/connection/websocket");

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
