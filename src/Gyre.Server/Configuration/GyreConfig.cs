using System.Text.Json.Nodes;
using Gyre.AspNetCore;
using Gyre.Core;

namespace Gyre.Server.Configuration;

/// <summary>
/// The Centrifugo v6 configuration file, bound from file, environment and flags. Every property is a key of the
/// Centrifugo layout (snake_case of the property name unless <see cref="ConfigKeyAttribute"/> says otherwise) and
/// starts at Centrifugo's default. <see cref="ConfigMapper"/> turns it into the engine's option records.
/// </summary>
/// <remarks>
/// Sections Gyre does not implement yet are kept as raw <see cref="JsonNode"/> trees: a Centrifugo config still
/// loads, and <see cref="LoadedConfig.Warnings"/> names each one so nobody believes it took effect.
/// </remarks>
public sealed class GyreConfig
{
    /// <summary><c>http_server</c>: listen address and port.</summary>
    public HttpServerConfig HttpServer { get; set; } = new();

    /// <summary><c>log</c>.</summary>
    public LogConfig Log { get; set; } = new();

    /// <summary><c>client</c>: real-time connections.</summary>
    public ClientConfig Client { get; set; } = new();

    /// <summary><c>channel</c>: namespaces and channel name rules.</summary>
    public ChannelConfig Channel { get; set; } = new();

    /// <summary><c>rpc</c>.</summary>
    public RpcConfig Rpc { get; set; } = new();

    /// <summary><c>http_api</c>: the server HTTP API.</summary>
    public HttpApiConfig HttpApi { get; set; } = new();

    /// <summary><c>websocket</c>: the bidirectional WebSocket transport.</summary>
    [ConfigKey("websocket")]
    public WebSocketConfig WebSocket { get; set; } = new();

    /// <summary><c>health</c>.</summary>
    public HealthConfig Health { get; set; } = new();

    /// <summary><c>node</c>.</summary>
    public NodeConfig Node { get; set; } = new();

    /// <summary><c>pid_file</c>: write the process id to this path. Default empty (no file).</summary>
    public string PidFile { get; set; } = "";

    /// <summary><c>enable_unreleased_features</c>. Default false.</summary>
    public bool EnableUnreleasedFeatures { get; set; }

    /// <summary><c>engine</c>: memory (one node) or Redis (several nodes).</summary>
    public EngineConfig Engine { get; set; } = new();

    /// <summary><c>broker</c>: replaces the engine's broker when enabled (Redis or NATS).</summary>
    public BrokerConfig Broker { get; set; } = new();

    /// <summary><c>presence_manager</c>: replaces the engine's presence manager when enabled.</summary>
    public PresenceManagerConfig PresenceManager { get; set; } = new();

    /// <summary><c>map_broker</c>: not supported yet.</summary>
    public JsonNode? MapBroker { get; set; }

    /// <summary><c>controller</c>: not supported yet.</summary>
    public JsonNode? Controller { get; set; }

    /// <summary><c>shared_poll</c>: not supported yet.</summary>
    public JsonNode? SharedPoll { get; set; }

    /// <summary><c>proxies</c>: not supported yet.</summary>
    public JsonNode? Proxies { get; set; }

    /// <summary><c>grpc_api</c>: the server API over gRPC.</summary>
    public GrpcApiConfig GrpcApi { get; set; } = new();

    /// <summary><c>grpc_client</c>: the bidirectional gRPC client transport (a Gyre extension, not in Centrifugo).</summary>
    public GrpcClientConfig GrpcClient { get; set; } = new();

    /// <summary><c>consumers</c>: not supported yet.</summary>
    public JsonNode? Consumers { get; set; }

    /// <summary><c>sse</c>: bidirectional emulation over Server-Sent Events.</summary>
    public SseConfig Sse { get; set; } = new();

    /// <summary><c>http_stream</c>: bidirectional emulation over a streaming HTTP response.</summary>
    public HttpStreamConfig HttpStream { get; set; } = new();

    /// <summary><c>webtransport</c>: not supported yet.</summary>
    [ConfigKey("webtransport")]
    public JsonNode? WebTransport { get; set; }

    /// <summary><c>uni_sse</c>: unidirectional Server-Sent Events.</summary>
    public UniSseConfig UniSse { get; set; } = new();

    /// <summary><c>uni_http_stream</c>: unidirectional HTTP-streaming.</summary>
    public UniHttpStreamConfig UniHttpStream { get; set; } = new();

    /// <summary><c>uni_websocket</c>: unidirectional WebSocket.</summary>
    [ConfigKey("uni_websocket")]
    public UniWebSocketConfig UniWebSocket { get; set; } = new();

    /// <summary><c>uni_grpc</c>: unidirectional gRPC stream on its own port.</summary>
    public UniGrpcConfig UniGrpc { get; set; } = new();

    /// <summary><c>emulation</c>: the <c>/emulation</c> endpoint of HTTP-streaming and SSE.</summary>
    public EmulationConfig Emulation { get; set; } = new();

    /// <summary><c>admin</c>: not supported yet.</summary>
    public JsonNode? Admin { get; set; }

    /// <summary><c>prometheus</c>: not supported yet.</summary>
    public JsonNode? Prometheus { get; set; }

    /// <summary><c>swagger</c>: the OpenAPI document of the server HTTP API.</summary>
    public SwaggerConfig Swagger { get; set; } = new();

    /// <summary><c>debug</c>: not supported yet.</summary>
    public JsonNode? Debug { get; set; }

    /// <summary><c>init</c>: the connection init endpoint.</summary>
    public InitConfig Init { get; set; } = new();

    /// <summary><c>opentelemetry</c>: not supported yet.</summary>
    [ConfigKey("opentelemetry")]
    public JsonNode? OpenTelemetry { get; set; }

    /// <summary><c>graphite</c>: not supported yet.</summary>
    public JsonNode? Graphite { get; set; }

    /// <summary><c>usage_stats</c>: not supported (Gyre sends no usage statistics).</summary>
    public JsonNode? UsageStats { get; set; }

    /// <summary><c>shutdown</c>: not supported yet.</summary>
    public JsonNode? Shutdown { get; set; }
}

/// <summary><c>http_server.*</c>.</summary>
public sealed class HttpServerConfig
{
    /// <summary>Centrifugo's default port.</summary>
    public const int DefaultPort = 8000;

    /// <summary><c>http_server.address</c>: interface to listen on. Default empty: all interfaces.</summary>
    public string Address { get; set; } = "";

    /// <summary><c>http_server.port</c>. Default 8000; zero also means 8000 (Centrifugo's zero-means-default rule).</summary>
    public int Port { get; set; } = DefaultPort;

    /// <summary><c>http_server.internal_address</c>: kept, not used yet (everything is served on the main port).</summary>
    public string InternalAddress { get; set; } = "";

    /// <summary><c>http_server.internal_port</c> (a string in Centrifugo): kept, not used yet.</summary>
    public string InternalPort { get; set; } = "";

    /// <summary><c>http_server.tls</c>: HTTPS on the main port (Gyre has no separate internal port yet).</summary>
    public TlsConfig Tls { get; set; } = new();

    /// <summary><c>http_server.tls_autocert</c>: not supported yet.</summary>
    public JsonNode? TlsAutocert { get; set; }

    /// <summary>
    /// <c>http_server.tls_external</c>: TLS only on the external port when an internal port exists. Gyre serves
    /// everything on the main port, which is the external one, so <see cref="Tls"/> applies either way.
    /// </summary>
    public bool TlsExternal { get; set; }

    /// <summary><c>http_server.internal_tls</c>: not supported yet (it needs the internal port).</summary>
    public JsonNode? InternalTls { get; set; }

    /// <summary><c>http_server.http3</c>: not supported yet.</summary>
    public JsonNode? Http3 { get; set; }

    /// <summary><c>http_server.h2c_external</c>: kept, not used yet.</summary>
    [ConfigKey("h2c_external")]
    public bool H2cExternal { get; set; }
}

/// <summary><c>log.*</c>.</summary>
public sealed class LogConfig
{
    /// <summary>The values <see cref="Level"/> accepts, least to most severe, then <c>none</c>.</summary>
    public static IReadOnlyList<string> Levels { get; } = ["trace", "debug", "info", "warn", "error", "none"];

    /// <summary><c>log.level</c>: one of <see cref="Levels"/>. Default <c>info</c>.</summary>
    public string Level { get; set; } = "info";

    /// <summary><c>log.file</c>: kept, not used yet (logs go to stdout).</summary>
    public string File { get; set; } = "";
}

/// <summary><c>node.*</c>.</summary>
public sealed class NodeConfig
{
    /// <summary><c>node.name</c>. Default empty: the host name is used.</summary>
    public string Name { get; set; } = "";

    /// <summary><c>node.info_metrics_aggregate_interval</c>, default 60 s: kept, not used yet.</summary>
    public TimeSpan InfoMetricsAggregateInterval { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary><c>rpc.*</c>.</summary>
public sealed class RpcConfig
{
    /// <summary><c>rpc.proxy</c>: not supported yet.</summary>
    public JsonNode? Proxy { get; set; }

    /// <summary><c>rpc.without_namespace</c>: options of methods without a <c>name:</c> prefix.</summary>
    public RpcOptionsConfig WithoutNamespace { get; set; } = new();

    /// <summary>
    /// <c>rpc.namespaces</c>: methods <c>name:…</c> use these options. Validated as Centrifugo does (names match
    /// <c>^[-a-zA-Z0-9_.]{2,}$</c> and are unique); their only options route calls to an RPC proxy.
    /// </summary>
    public List<RpcNamespaceConfig> Namespaces { get; set; } = [];

    /// <summary><c>rpc.ping</c>: the built-in ping method.</summary>
    public RpcPingConfig Ping { get; set; } = new();

    /// <summary><c>rpc.namespace_boundary</c>, default <c>:</c>: kept, not used yet.</summary>
    public string NamespaceBoundary { get; set; } = ":";
}

/// <summary>
/// Centrifugo's <c>RpcOptions</c>: whether calls go to an RPC proxy, and which. Without a proxy every method but
/// the built-in ping answers 104 (method not found), namespaced or not, exactly as Centrifugo does.
/// </summary>
[RejectUnknownKeys]
public class RpcOptionsConfig
{
    /// <summary><c>proxy_enabled</c>: proxy calls to the app backend. Gyre has no proxies yet, so true is a configuration error.</summary>
    public bool ProxyEnabled { get; set; }

    /// <summary><c>proxy_name</c>, default <c>default</c>: the proxy to call.</summary>
    public string ProxyName { get; set; } = "default";
}

/// <summary>One item of <c>rpc.namespaces</c>.</summary>
public sealed class RpcNamespaceConfig : RpcOptionsConfig
{
    /// <summary><c>name</c>: methods <c>name:…</c> use these options.</summary>
    public string Name { get; set; } = "";
}

/// <summary><c>rpc.ping.*</c>.</summary>
public sealed class RpcPingConfig
{
    /// <summary><c>rpc.ping.enabled</c>. Default false.</summary>
    public bool Enabled { get; set; } = RpcOptions.Default.PingEnabled;

    /// <summary><c>rpc.ping.method</c>. Default <c>ping</c>.</summary>
    public string Method { get; set; } = RpcOptions.Default.PingMethod;
}
