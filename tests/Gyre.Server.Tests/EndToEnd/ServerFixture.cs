using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Gyre.AspNetCore;
using Gyre.Core;
using Gyre.Core.Auth;
using Gyre.Core.Channels;
using Gyre.Server.Hosting;
using Gyre.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Gyre.Server.Tests.EndToEnd;

/// <summary>A real Gyre server on Kestrel at 127.0.0.1 and a free port, for one test class.</summary>
public class ServerFixture : IAsyncLifetime
{
    public const string Secret = "e2e-secret";
    public const string ApiKey = "e2e-api-key";

    private WebApplication? _app;

    public Uri BaseUri { get; private set; } = null!;

    /// <summary>The h2c port of the gRPC server API.</summary>
    public Uri GrpcUri { get; private set; } = null!;

    /// <summary>The h2c port of the unidirectional gRPC transport.</summary>
    public Uri UniGrpcUri { get; private set; } = null!;

    /// <summary>uni_grpc's receive limit here, far below the gRPC API's default 4 MiB, so a test sees each service keep its own.</summary>
    public const int UniGrpcMaxReceive = 16 * 1024;
    /// <summary>The h2c port of the bidirectional gRPC client transport.</summary>
    public Uri GrpcClientUri { get; private set; } = null!;

    public HttpClient Http { get; } = new();

    public Node Node => _app!.Services.GetRequiredService<Node>();

    public IServiceProvider Services => _app!.Services;

    public async Task InitializeAsync()
    {
        var node = NodeOptions.Default with
        {
            Token = new TokenOptions { HmacSecretKey = Secret },
            Channels = new ChannelsOptions
            {
                WithoutNamespace = new ChannelOptions { AllowSubscribeForClient = true, AllowPublishForSubscriber = true },
                Namespaces =
                [
                    new ChannelNamespace("chat", new ChannelOptions { AllowSubscribeForClient = true, AllowPublishForClient = true }),
                    new ChannelNamespace("room", new ChannelOptions { AllowSubscribeForClient = true, Presence = true, HistorySize = 10, HistoryTtl = TimeSpan.FromMinutes(1) }),
                ],
            },
        };
        var endpoints = ConfigureEndpoints(GyreEndpointOptions.Default with { HttpApiKey = ApiKey, WebSocketMessageSizeLimit = 65_536, AllowedOrigins = ["https://*.example.com"] });
        var grpc = new Gyre.Grpc.GrpcApiOptions { Enabled = true, Port = 0, Key = ApiKey, Reflection = true };
        var uniGrpc = new Gyre.Grpc.UniStream.UniGrpcOptions { Enabled = true, Port = 0, MaxReceiveMessageSize = UniGrpcMaxReceive };
        var grpcClient = new Gyre.Grpc.GrpcClientOptions { Enabled = true, Port = 0 };
        _app = GyreServerHost.Build(new ServerSettings(node, endpoints, "127.0.0.1", 0, "none", grpc, UniGrpc: uniGrpc, GrpcClient: grpcClient, SwaggerPath: SwaggerPath));
        await _app.StartAsync();
        var addresses = GyreServerHost.Addresses(_app);
        BaseUri = addresses[0];
        GrpcUri = addresses[1];
        UniGrpcUri = addresses[2];
        GrpcClientUri = addresses[3];
        Http.BaseAddress = BaseUri;
    }

    /// <summary>Where a derived fixture serves the OpenAPI document (<c>swagger.enabled</c>); off by default.</summary>
    protected virtual string? SwaggerPath => null;

    /// <summary>Lets a derived fixture switch transports on or change endpoint options (compression, limits).</summary>
    protected virtual GyreEndpointOptions ConfigureEndpoints(GyreEndpointOptions endpoints) => endpoints;

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    public string Token(string user) => HmacTokens.Create(Secret, new { sub = user, iat = HmacTokens.UnixNow() });

    public Uri WebSocketUri(string query = "") => new($"ws://{BaseUri.Authority}/connection/websocket{query}");

    public async Task<WireClient> ConnectAsync(string? subprotocol = null, string query = "", string? origin = null, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        configure?.Invoke(socket.Options);
        if (subprotocol is not null)
        {
            socket.Options.AddSubProtocol(subprotocol);
        }

        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        await socket.ConnectAsync(WebSocketUri(query), timeout.Token);
        return new WireClient(socket);
    }

    public async Task<HttpResponseMessage> ApiAsync(string method, string body, string? key = ApiKey, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/{method}") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Add("X-API-Key", key);
        }

        configure?.Invoke(request);
        return await Http.SendAsync(request).WaitAsync(TestTimeouts.Default);
    }

    public async Task<JsonElement> ApiJsonAsync(string method, string body) =>
        await (await ApiAsync(method, body)).Content.ReadFromJsonAsync<JsonElement>();
}

/// <summary>A raw WebSocket speaking the JSON protocol: the wire-level test client.</summary>
public sealed class WireClient(ClientWebSocket socket) : IAsyncDisposable
{
    private readonly Queue<string> _pending = new();

    public ClientWebSocket Socket { get; } = socket;

    public Task SendAsync(string frame) => SendAsync(Encoding.UTF8.GetBytes(frame), WebSocketMessageType.Text);

    public async Task SendAsync(byte[] frame, WebSocketMessageType type)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        await Socket.SendAsync(frame, type, endOfMessage: true, timeout.Token);
    }

    /// <summary>The next message (one line of a frame), or null when the server closed the socket.</summary>
    public async Task<string?> NextAsync()
    {
        if (_pending.TryDequeue(out var queued))
        {
            return queued;
        }

        var frame = await ReceiveFrameAsync();
        if (frame is null)
        {
            return null;
        }

        foreach (var line in Encoding.UTF8.GetString(frame.Value.Bytes).Split('\n'))
        {
            _pending.Enqueue(line);
        }

        return _pending.Dequeue();
    }

    public async Task<JsonElement> NextJsonAsync() => JsonDocument.Parse(await NextAsync() ?? throw new InvalidOperationException($"socket closed: {Socket.CloseStatus} {Socket.CloseStatusDescription}")).RootElement;

    public async Task<(byte[] Bytes, WebSocketMessageType Type)?> ReceiveFrameAsync()
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        while (true)
        {
            var result = await Socket.ReceiveAsync(chunk, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            buffer.Write(chunk, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (buffer.ToArray(), result.MessageType);
            }
        }
    }

    /// <summary>Reads until the server's close frame and returns its code and reason.</summary>
    public async Task<(int Code, string? Reason)> ClosedAsync()
    {
        while (await ReceiveFrameAsync() is not null)
        {
        }

        return ((int)Socket.CloseStatus!.Value, Socket.CloseStatusDescription);
    }

    public async Task<JsonElement> ConnectAsync(string token)
    {
        await SendAsync($$$"""{"id":1,"connect":{"token":"{{{token}}}","name":"test"}}""");
        return (await NextJsonAsync()).GetProperty("connect");
    }

    public async ValueTask DisposeAsync()
    {
        Socket.Abort();
        Socket.Dispose();
        await Task.CompletedTask;
    }
}
