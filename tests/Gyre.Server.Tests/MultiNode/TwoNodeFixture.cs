using System.Globalization;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gyre.Server.Configuration;
using Gyre.Server.Hosting;
using Gyre.Server.Tests.EndToEnd;
using Gyre.Specification.Tests.Servers;
using Gyre.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gyre.Server.Tests.MultiNode;

/// <summary>
/// One Gyre node of a test cluster: loaded from a Centrifugo config file exactly as <c>gyre -c</c> loads it, listening
/// on 127.0.0.1 and a free port.
/// </summary>
public sealed class GyreNode : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly GyreEngine _engine;

    private GyreNode(WebApplication app, GyreEngine engine)
    {
        _app = app;
        _engine = engine;
        BaseUri = GyreServerHost.Addresses(app)[0];
        Http = new HttpClient { BaseAddress = BaseUri };
    }

    public Uri BaseUri { get; }

    public HttpClient Http { get; }

    public Core.Node Node => _app.Services.GetRequiredService<Core.Node>();

    public static async Task<GyreNode> StartAsync(string configFile)
    {
        var config = ConfigLoader.Load(configFile, new Dictionary<string, string?>(), new Dictionary<string, string>());
        var engine = await GyreEngine.CreateAsync(ConfigMapper.ToEngineSettings(config.Config), NullLoggerFactory.Instance, CancellationToken.None);
        var app = GyreServerHost.Build(new ServerSettings(config.Node, config.Endpoints, "127.0.0.1", 0, "none", Engine: engine));
        await app.StartAsync().DefaultTimeout();
        return new GyreNode(app, engine);
    }

    public async Task<WireClient> ConnectAsync(string user)
    {
        var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        await socket.ConnectAsync(new Uri($"ws://{BaseUri.Authority}/connection/websocket"), timeout.Token);
        var client = new WireClient(socket);
        var reply = await client.ConnectAsync(HmacTokens.Create(TwoNodeFixture.Secret, new { sub = user, iat = HmacTokens.UnixNow() }));
        Assert.True(reply.TryGetProperty("client", out _), reply.GetRawText());
        return client;
    }

    public async Task<JsonElement> ApiAsync(string method, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/{method}") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-API-Key", TwoNodeFixture.ApiKey);
        using var response = await Http.SendAsync(request).WaitAsync(TestTimeouts.Default);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<int> HealthAsync()
    {
        using var response = await Http.GetAsync(new Uri("/health", UriKind.Relative)).WaitAsync(TestTimeouts.Default);
        return (int)response.StatusCode;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _engine.DisposeAsync();
    }
}

/// <summary>
/// A backend server (redis-server or nats-server started by PID) and two Gyre nodes on it, A and B, each loaded from
/// its own config file. Every fixture instance uses its own key/subject prefix.
/// </summary>
public abstract class TwoNodeFixture : IAsyncLifetime
{
    public const string Secret = "multinode-secret";
    public const string ApiKey = "multinode-api-key";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("gyre-cluster-");

    public GyreNode A { get; private set; } = null!;

    public GyreNode B { get; private set; } = null!;

    protected ServerProcess? Backend { get; set; }

    protected string Prefix { get; } = "gyre-e2e-" + Guid.NewGuid().ToString("N")[..8];

    public async Task InitializeAsync()
    {
        await StartBackendAsync();
        A = await GyreNode.StartAsync(WriteConfig("a"));
        B = await GyreNode.StartAsync(WriteConfig("b"));
    }

    public async Task DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
        if (Backend is not null)
        {
            await Backend.DisposeAsync();
        }

        _directory.Delete(recursive: true);
    }

    /// <summary>Starts the backend server and sets <see cref="Backend"/>.</summary>
    protected abstract Task StartBackendAsync();

    /// <summary>The <c>engine</c>/<c>broker</c>/<c>presence_manager</c> part of the config, as JSON members.</summary>
    protected abstract string EngineSection();

    private string WriteConfig(string name)
    {
        var path = Path.Combine(_directory.FullName, $"{name}.json");
        File.WriteAllText(path, $$"""
            {
              "node": { "name": "{{name}}" },
              "client": { "token": { "hmac_secret_key": "{{Secret}}" } },
              "http_api": { "key": "{{ApiKey}}" },
              "http_stream": { "enabled": true },
              "channel": {
                "without_namespace": { "allow_subscribe_for_client": true, "presence": true },
                "namespaces": [
                  { "name": "room", "allow_subscribe_for_client": true, "presence": true, "history_size": 100, "history_ttl": "300s", "force_recovery": true }
                ]
              },
              {{EngineSection()}}
            }
            """);
        return path;
    }
}

/// <summary>Two nodes with <c>engine.type: redis</c> on one redis-server.</summary>
public class RedisNodesFixture : TwoNodeFixture
{
    private static readonly Regex ReadyLine = new("Ready to accept connections", RegexOptions.Compiled);

    public int RedisPort { get; private set; }

    public ServerProcess Redis => Backend!;

    /// <summary>Starts redis-server on <paramref name="port"/> (0 picks a free one), without persistence.</summary>
    public async Task StartRedisAsync(int port = 0)
    {
        RedisPort = port == 0 ? ServerProcess.FreeLoopbackPort() : port;
        Backend = await ServerProcess.StartAsync(
            "redis-server",
            "redis-server",
            ["--port", RedisPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", "{dir}", "--daemonize", "no"],
            ReadyLine);
    }

    /// <summary>Kills the redis-server this fixture started, by its PID.</summary>
    public async Task KillRedisAsync()
    {
        await Backend!.DisposeAsync();
        Backend = null;
    }

    protected override Task StartBackendAsync() => StartRedisAsync();

    protected override string EngineSection() =>
        $$""" "engine": { "type": "redis", "redis": { "address": ["127.0.0.1:{{RedisPort}}"], "prefix": "{{Prefix}}", "connect_timeout": "5s", "io_timeout": "2s" } } """;
}

/// <summary>A separate Redis cluster for the outage tests, which kill and restart its server.</summary>
public sealed class RedisOutageFixture : RedisNodesFixture;

/// <summary>Two nodes with <c>broker.type: nats</c> on one nats-server and memory presence.</summary>
public sealed class NatsNodesFixture : TwoNodeFixture
{
    private static readonly Regex ListeningLine = new(@"Listening for client connections on 127\.0\.0\.1:(?<port>\d+)", RegexOptions.Compiled);

    private string _url = "";

    protected override async Task StartBackendAsync()
    {
        Backend = await ServerProcess.StartAsync("nats-server", "nats-server", ["-a", "127.0.0.1", "-p", "-1"], ListeningLine);
        _url = $"nats://127.0.0.1:{Backend.Ready.Groups["port"].Value}";
    }

    protected override string EngineSection() =>
        $$""" "broker": { "enabled": true, "type": "nats", "nats": { "url": "{{_url}}", "prefix": "{{Prefix}}", "dial_timeout": "5s" } } """;
}

/// <summary>Waiting on conditions that other nodes make true, with a deadline instead of a fixed sleep.</summary>
public static class Eventually
{
    public static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TestTimeouts.Default);
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            try
            {
                await Task.Delay(50, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"condition not met in time; last value: {value}");
            }
        }
    }

    /// <summary>The next push of a client, skipping replies.</summary>
    public static async Task<JsonElement> NextPushAsync(WireClient client)
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

    /// <summary>The reply with <paramref name="id"/>, skipping pushes.</summary>
    public static async Task<JsonElement> ReplyAsync(WireClient client, int id)
    {
        while (true)
        {
            var message = await client.NextJsonAsync();
            if (message.TryGetProperty("id", out var replyId) && replyId.GetInt32() == id)
            {
                return message;
            }
        }
    }
}
