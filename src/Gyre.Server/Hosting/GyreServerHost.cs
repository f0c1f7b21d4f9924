using System.Net;
using System.Net.Security;
using Gyre.AspNetCore;
using Gyre.Core;
using Gyre.Grpc;
using Gyre.Grpc.UniStream;
using Gyre.Server.Configuration;
using Gyre.Server.Swagger;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Gyre.Server.Hosting;

/// <summary>What the server needs to start: engine options, endpoint options, where to listen and how loudly to log.</summary>
/// <param name="Node">Engine options.</param>
/// <param name="Endpoints">HTTP endpoint options.</param>
/// <param name="Address">Listen address; empty means 127.0.0.1 (see <see cref="GyreServerHost.Build"/>).</param>
/// <param name="Port">Listen port; 0 picks a free one.</param>
/// <param name="LogLevel">Centrifugo log level: none, trace, debug, info, warn, error.</param>
/// <param name="Grpc">The gRPC server API endpoint; off when null.</param>
/// <param name="Engine">The connected broker and presence manager (see <see cref="GyreEngine.CreateAsync"/>); memory when null.</param>
/// <param name="UniGrpc">The unidirectional gRPC transport endpoint; off when null.</param>
/// <param name="GrpcClient">The bidirectional gRPC client transport; off when null.</param>
/// <param name="SwaggerPath">Where the server API's OpenAPI document is served (<c>swagger.enabled</c>); off when null.</param>
/// <param name="Tls">Certificates of the listeners that speak TLS; all cleartext when null.</param>
public sealed record ServerSettings(NodeOptions Node, GyreEndpointOptions Endpoints, string Address, int Port, string LogLevel, GrpcApiOptions? Grpc = null, GyreEngine? Engine = null, UniGrpcOptions? UniGrpc = null, GrpcClientOptions? GrpcClient = null, string? SwaggerPath = null, ListenerTls? Tls = null);

/// <summary>Which listeners speak TLS, each with its certificates; a null one is cleartext (h2c for the gRPC ports).</summary>
/// <param name="Http"><c>http_server.tls</c>: the main port.</param>
/// <param name="GrpcApi"><c>grpc_api.tls</c>.</param>
/// <param name="UniGrpc"><c>uni_grpc.tls</c>.</param>
/// <param name="GrpcClient"><c>grpc_client.tls</c>.</param>
public sealed record ListenerTls(TlsMaterial? Http = null, TlsMaterial? GrpcApi = null, TlsMaterial? UniGrpc = null, TlsMaterial? GrpcClient = null);

/// <summary>Builds and runs the Kestrel application that hosts a Gyre node.</summary>
public static class GyreServerHost
{
    private static readonly List<SslApplicationProtocol> HttpAlpn = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];
    private static readonly List<SslApplicationProtocol> Http2Alpn = [SslApplicationProtocol.Http2];

    /// <summary>
    /// Builds the application. An empty address binds 127.0.0.1 only: Centrifugo listens on every interface
    /// by default, Gyre opens to the network only when told to (<c>http_server.address: 0.0.0.0</c>).
    /// </summary>
    public static WebApplication Build(ServerSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(GyreServerHost).Assembly.GetName().Name });
        ConfigureLogging(builder.Logging, settings.LogLevel);
        var address = string.IsNullOrEmpty(settings.Address) ? IPAddress.Loopback : ParseAddress(settings.Address);
        var grpc = settings.Grpc is { Enabled: true } g ? g : null;
        var uniGrpc = settings.UniGrpc is { Enabled: true } u ? u : null;
        var grpcClient = settings.GrpcClient is { Enabled: true } gc ? gc : null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            var tls = settings.Tls ?? new ListenerTls();
            kestrel.Listen(address, settings.Port, o => UseTls(o, tls.Http, HttpAlpn));
            if (grpc is not null)
            {
                // gRPC needs HTTP/2; a cleartext Http1AndHttp2 port would speak HTTP/1.1 only, so this port is h2c.
                var grpcAddress = string.IsNullOrEmpty(grpc.Address) ? IPAddress.Loopback : ParseAddress(grpc.Address);
                kestrel.Listen(grpcAddress, grpc.Port, o => UseTls(o, tls.GrpcApi, Http2Alpn, HttpProtocols.Http2));
            }

            if (uniGrpc is not null)
            {
                // uni_grpc has its own h2c port, as in Centrifugo (default 11000), loopback unless an address is set.
                var uniAddress = string.IsNullOrEmpty(uniGrpc.Address) ? IPAddress.Loopback : ParseAddress(uniGrpc.Address);
                kestrel.Listen(uniAddress, uniGrpc.Port, o => UseTls(o, tls.UniGrpc, Http2Alpn, HttpProtocols.Http2));
            }

            if (grpcClient is not null)
            {
                // h2c as well. Routes are not tied to ports, so this port (like the API's) also serves WebSocket
                // over HTTP/2 (RFC 8441 extended CONNECT) at the WebSocket path.
                var clientAddress = string.IsNullOrEmpty(grpcClient.Address) ? IPAddress.Loopback : ParseAddress(grpcClient.Address);
                kestrel.Listen(clientAddress, grpcClient.Port, o => UseTls(o, tls.GrpcClient, Http2Alpn, HttpProtocols.Http2));
            }
        });
        builder.Services.AddGyre(settings.Node, settings.Endpoints, settings.Engine?.Broker, settings.Engine?.Presence);
        if (grpc is not null || uniGrpc is not null || grpcClient is not null)
        {
            // One gRPC registration; each service carries its own options, so the API's key check and message size
            // limit never reach the client transports, nor theirs the API. The catch-all route for unknown gRPC
            // services would shadow the HTTP API's 405 for non-POST requests; unknown methods of CentrifugoApi
            // (PRO-only ones) still answer UNIMPLEMENTED.
            var services = builder.Services.AddGrpc(o => o.IgnoreUnknownServices = true);
            if (grpc is not null)
            {
                builder.Services.AddSingleton(grpc);
                services.AddServiceOptions<CentrifugoApiService>(o =>
                {
                    o.Interceptors.Add<ApiKeyInterceptor>();
                    o.MaxReceiveMessageSize = LimitOrDefault(grpc.MaxReceiveMessageSize);
                });
                if (grpc.Reflection)
                {
                    builder.Services.AddGrpcReflection();
                }
            }

            if (uniGrpc is not null)
            {
                services.AddServiceOptions<UniStreamService>(o => o.MaxReceiveMessageSize = LimitOrDefault(uniGrpc.MaxReceiveMessageSize));
            }

            if (grpcClient is not null)
            {
                services.AddServiceOptions<GrpcClientService>(o => o.MaxReceiveMessageSize = LimitOrDefault(grpcClient.MaxReceiveMessageSize));
            }
        }

        if (settings.SwaggerPath is not null)
        {
            builder.Services.AddServerApiDocument(settings.Endpoints, settings.Node.Version);
        }

        var app = builder.Build();
        app.UseGyre();
        if (settings.SwaggerPath is not null)
        {
            app.MapServerApiDocument(settings.SwaggerPath);
        }
        if (grpc is not null)
        {
            app.MapGrpcService<CentrifugoApiService>();
            if (grpc.Reflection)
            {
                app.MapGrpcReflectionService();
            }
        }

        if (uniGrpc is not null)
        {
            app.MapGrpcService<UniStreamService>();
        }

        if (grpcClient is not null)
        {
            app.MapGrpcService<GrpcClientService>();
        }

        return app;
    }

    /// <summary>
    /// Runs the server for a loaded configuration until SIGINT/SIGTERM. The first log lines tell a newcomer
    /// where to connect and, when nothing lets a client in yet, how to get a token.
    /// </summary>
    public static async Task<int> ServeAsync(LoadedConfig config, CancellationToken cancellationToken)
    {
        var engineSettings = ConfigMapper.ToEngineSettings(config.Config);

        // The Redis and NATS clients log for as long as they live, so this factory outlives the engine.
        using var engineLogging = LoggerFactory.Create(logging => ConfigureLogging(logging, config.LogLevel));
        GyreEngine engine;
        try
        {
            engine = await GyreEngine.CreateAsync(engineSettings, engineLogging, cancellationToken);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisConnectionException or ArgumentException or FormatException)
        {
            return EngineFailed(engineLogging, engineSettings, e);
        }

        // Disposed after the application: the node closes the broker and presence manager, then the connections close.
        await using var engineLifetime = engine;
        await using var app = Build(new ServerSettings(config.Node, config.Endpoints, config.Address, config.Port, config.LogLevel, ConfigMapper.ToGrpcApiOptions(config.Config), engine, ConfigMapper.ToUniGrpcOptions(config.Config), ConfigMapper.ToGrpcClientOptions(config.Config), ConfigMapper.ToSwaggerDocumentPath(config.Config), ConfigMapper.ToListenerTls(config.Config)));
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Gyre.Server");
        foreach (var warning in config.Warnings)
        {
            log.LogWarning("{Warning}", warning);
        }

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (NATS.Client.Core.NatsException e)
        {
            // The NATS broker connects when the node starts; an unreachable server ends the start like Redis does.
            return EngineFailed(engineLogging, engineSettings, e);
        }
        catch (IOException e)
        {
            // Kestrel's bind failure (address in use, permission denied) names the address in its message.
            log.LogCritical("cannot listen: {Reason}", e.Message);
            log.LogDebug(e, "listen failure");
            return 1;
        }

        var address = Addresses(app)[0];
        log.LogInformation(
            "Gyre {Version} started on {Address} ({Engine} engine); config: {File}",
            config.Node.Version,
            address,
            engineSettings.Description,
            config.ConfigFile ?? "none");
        log.LogInformation("clients connect to {Scheme}://{Authority}{Path}; the HTTP API is at {Address}{Api}", address.Scheme == "https" ? "wss" : "ws", address.Authority, config.Endpoints.WebSocketPath, address.ToString().TrimEnd('/'), config.Endpoints.HttpApiPath);
        if (config.Config.Swagger.Enabled)
        {
            log.LogInformation("the server API's OpenAPI document is at {Address}{Path}", address.ToString().TrimEnd('/'), ConfigMapper.ToSwaggerDocumentPath(config.Config));
        }

        if (!config.Node.Token.HasKeys && !config.Node.Client.Insecure && !config.Node.Client.AllowAnonymousConnectWithoutToken)
        {
            log.LogWarning("no client.token.hmac_secret_key is set, so no client can connect yet: run 'gyre genconfig' to write config.json with a secret and an API key, restart with '-c config.json', then 'gyre gentoken -u <user>' makes a token (or start with --client.insecure for local experiments)");
        }

        if (config.Config.GrpcApi.Enabled && config.Config.GrpcApi.Key.Length == 0)
        {
            log.LogWarning("grpc_api.key is empty: the gRPC server API accepts every call");
        }

        if (config.Endpoints.HttpApiKey.Length == 0 && !config.Endpoints.HttpApiInsecure)
        {
            log.LogWarning("no http_api.key is set, so every server API call is refused with 401 (genconfig writes one)");
        }

        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    /// <summary>A configured gRPC receive limit; 0 (unset) keeps gRPC's 4 MiB default.</summary>
    private static int? LimitOrDefault(int configured) => configured > 0 ? configured : null;

    /// <summary>
    /// One critical line naming the engine and the reason, exit code 1. The stack trace is only written at debug level:
    /// an unreachable broker is an operator's problem, not a crash.
    /// </summary>
    private static int EngineFailed(ILoggerFactory logging, EngineSettings settings, Exception e)
    {
        var log = logging.CreateLogger("Gyre.Server");
        var reason = e is StackExchange.Redis.RedisConnectionException redis
            ? $"no Redis server answered within connect_timeout ({redis.FailureType}); tried {string.Join(", ", RedisAddresses(settings))}"
            : e.Message;
        log.LogCritical("cannot start the {Engine} engine: {Reason}", settings.Description, reason);
        log.LogDebug(e, "engine start failure");
        return 1;
    }

    private static IEnumerable<string> RedisAddresses(EngineSettings settings) =>
        new[] { settings.BrokerRedis, settings.PresenceRedis }.OfType<Gyre.Redis.RedisEngineOptions>()
            .SelectMany(o => o.ClusterAddresses.Count > 0 ? o.ClusterAddresses : o.SentinelAddresses.Count > 0 ? o.SentinelAddresses : o.Addresses)
            .Distinct(StringComparer.Ordinal);

    /// <summary>The <c>http://host:port</c> addresses the started application listens on.</summary>
    public static IReadOnlyList<Uri> Addresses(WebApplication app) =>
        [.. app.Urls.Select(u => new Uri(u.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal)))];

    /// <summary>
    /// Sets a listener's protocols and, with <paramref name="tls"/>, wraps it in TLS. The handshake options come from
    /// <see cref="TlsMaterial.ServerOptions"/>, the same as every other TLS listener; ALPN offers
    /// <paramref name="alpn"/> so HTTP/2 is negotiated where the port speaks it.
    /// </summary>
    private static void UseTls(ListenOptions listen, TlsMaterial? tls, List<SslApplicationProtocol> alpn, HttpProtocols protocols = HttpProtocols.Http1AndHttp2)
    {
        listen.Protocols = protocols;
        if (tls is not null)
        {
            listen.UseHttps(new TlsHandshakeCallbackOptions { OnConnection = _ => ValueTask.FromResult(tls.ServerOptions(alpn)) });
        }
    }

    /// <summary>Console logging at the Centrifugo level, ASP.NET Core's own chatter kept at warnings.</summary>
    private static void ConfigureLogging(ILoggingBuilder logging, string logLevel)
    {
        logging.ClearProviders();
        var level = MapLogLevel(logLevel);
        if (level != Microsoft.Extensions.Logging.LogLevel.None)
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-dd HH:mm:ss ";
            });
        }

        logging.SetMinimumLevel(level);
        logging.AddFilter("Microsoft.AspNetCore", level < Microsoft.Extensions.Logging.LogLevel.Warning ? Microsoft.Extensions.Logging.LogLevel.Warning : level);
        logging.AddFilter("Microsoft.Hosting.Lifetime", level);

        // NATS.Net and StackExchange.Redis log every failed dial at error level with the socket's stack trace (a refused
        // Redis connect prints ~60 lines), and the host logs a failed start with its stack trace. The engine's own lines
        // (2100–2299) report connection loss and return, and ServeAsync reports a failed start in one line, so theirs
        // are shown only when debugging.
        logging.AddFilter("Microsoft.Extensions.Hosting", level <= Microsoft.Extensions.Logging.LogLevel.Debug ? level : Microsoft.Extensions.Logging.LogLevel.Critical);
        logging.AddFilter("NATS.Client", level <= Microsoft.Extensions.Logging.LogLevel.Debug ? level : Microsoft.Extensions.Logging.LogLevel.Critical);
        logging.AddFilter("StackExchange.Redis", level <= Microsoft.Extensions.Logging.LogLevel.Debug ? level : Microsoft.Extensions.Logging.LogLevel.Critical);
    }

    private static IPAddress ParseAddress(string address) => address switch
    {
        "localhost" => IPAddress.Loopback,
        _ => IPAddress.TryParse(address.Trim('[', ']'), out var ip)
            ? ip
            : throw new ArgumentException($"http_server.address: '{address}' is not an IP address"),
    };

    private static Microsoft.Extensions.Logging.LogLevel MapLogLevel(string level) => level.ToLowerInvariant() switch
    {
        "none" => Microsoft.Extensions.Logging.LogLevel.None,
        "trace" => Microsoft.Extensions.Logging.LogLevel.Trace,
        "debug" => Microsoft.Extensions.Logging.LogLevel.Debug,
        "warn" or "warning" => Microsoft.Extensions.Logging.LogLevel.Warning,
        "error" => Microsoft.Extensions.Logging.LogLevel.Error,
        _ => Microsoft.Extensions.Logging.LogLevel.Information,
    };
}
