namespace Gyre.AspNetCore;

/// <summary>HTTP-facing options: which endpoints exist, their paths and limits. Mapped from operator configuration.</summary>
public sealed record GyreEndpointOptions
{
    /// <summary>Centrifugo v6 defaults (health on, see <see cref="HealthEnabled"/>).</summary>
    public static GyreEndpointOptions Default { get; } = new();

    /// <summary><c>websocket.disabled</c>.</summary>
    public bool WebSocketDisabled { get; init; }

    /// <summary><c>websocket.handler_prefix</c>, default <c>/connection/websocket</c>.</summary>
    public string WebSocketPath { get; init; } = "/connection/websocket";

    /// <summary>
    /// <c>websocket.message_size_limit</c>, default 65,536 bytes: an inbound message larger than this closes the
    /// connection with 1009 before the rest is buffered.
    /// </summary>
    public int WebSocketMessageSizeLimit { get; init; } = 65_536;

    /// <summary><c>websocket.write_timeout</c>, default 1 s: a frame not written by then disconnects with 3009.</summary>
    public TimeSpan WebSocketWriteTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary><c>client.allowed_origins</c>: empty admits only requests without <c>Origin</c>; <c>*</c> admits all.</summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary><c>http_api.disabled</c>.</summary>
    public bool HttpApiDisabled { get; init; }

    /// <summary><c>http_api.handler_prefix</c>, default <c>/api</c>.</summary>
    public string HttpApiPath { get; init; } = "/api";

    /// <summary><c>http_api.key</c>: required in <c>X-API-Key</c> or <c>Authorization: apikey …</c>; empty means every call is 401 unless insecure.</summary>
    public string HttpApiKey { get; init; } = "";

    /// <summary><c>http_api.error_mode: transport</c>: API errors become HTTP statuses (never for batch).</summary>
    public bool HttpApiTransportErrorMode { get; init; }

    /// <summary><c>http_api.insecure</c>: no key check.</summary>
    public bool HttpApiInsecure { get; init; }

    /// <summary>
    /// <c>health.enabled</c>. Centrifugo defaults it to false; Gyre defaults to true because a cheap
    /// <c>GET /health</c> is what every orchestrator probes first.
    /// </summary>
    public bool HealthEnabled { get; init; } = true;

    /// <summary><c>health.handler_prefix</c>, default <c>/health</c>.</summary>
    public string HealthPath { get; init; } = "/health";

    /// <summary><c>http_stream.*</c>: bidirectional emulation over a streaming HTTP response. Off by default.</summary>
    public StreamEndpointOptions HttpStream { get; init; } = new() { Path = "/connection/http_stream" };

    /// <summary><c>sse.*</c>: bidirectional emulation over Server-Sent Events. Off by default.</summary>
    public StreamEndpointOptions Sse { get; init; } = new() { Path = "/connection/sse" };

    /// <summary><c>emulation.handler_prefix</c>, default <c>/emulation</c>: mapped whenever HTTP-streaming or SSE is on.</summary>
    public string EmulationPath { get; init; } = "/emulation";

    /// <summary><c>emulation.max_request_body_size</c>, default 65,536 bytes: larger bodies get 413.</summary>
    public int EmulationMaxRequestBodySize { get; init; } = 65_536;

    /// <summary><c>uni_http_stream.*</c>. Off by default.</summary>
    public StreamEndpointOptions UniHttpStream { get; init; } = new() { Path = "/connection/uni_http_stream" };

    /// <summary><c>uni_sse.*</c>. Off by default.</summary>
    public StreamEndpointOptions UniSse { get; init; } = new() { Path = "/connection/uni_sse" };

    /// <summary><c>uni_websocket.*</c>. Off by default.</summary>
    public UniWebSocketOptions UniWebSocket { get; init; } = new();
}

/// <summary>One streaming HTTP connection endpoint (HTTP-streaming or SSE, bidirectional or unidirectional).</summary>
public sealed record StreamEndpointOptions
{
    /// <summary><c>enabled</c>. Default false, as in Centrifugo.</summary>
    public bool Enabled { get; init; }

    /// <summary><c>handler_prefix</c>.</summary>
    public string Path { get; init; } = "";

    /// <summary>
    /// <c>max_request_body_size</c>, default 65,536 bytes (the size of one command frame on WebSocket): a connect
    /// request body larger than this gets 413 before any client exists.
    /// </summary>
    public int MaxRequestBodySize { get; init; } = 65_536;

    /// <summary>
    /// <c>connect_code_to_http_response</c> (uni only): when non-null, a failed connect answers with an HTTP status
    /// instead of a stream that carries only a disconnect push.
    /// </summary>
    public IReadOnlyDictionary<uint, ConnectCodeResponse>? ConnectCodeToHttpResponse { get; init; }
}

/// <summary>The HTTP answer to a connect error or disconnect code; an empty body sends the error's own message.</summary>
/// <param name="StatusCode">HTTP status.</param>
/// <param name="Body">Response body.</param>
public sealed record ConnectCodeResponse(int StatusCode, string Body);

/// <summary><c>uni_websocket.*</c>: the unidirectional WebSocket transport.</summary>
public sealed record UniWebSocketOptions
{
    /// <summary><c>uni_websocket.enabled</c>. Default false.</summary>
    public bool Enabled { get; init; }

    /// <summary><c>uni_websocket.handler_prefix</c>, default <c>/connection/uni_websocket</c>.</summary>
    public string Path { get; init; } = "/connection/uni_websocket";

    /// <summary><c>uni_websocket.message_size_limit</c>, default 65,536 bytes: the most the connect message may hold.</summary>
    public int MessageSizeLimit { get; init; } = 65_536;

    /// <summary><c>uni_websocket.write_timeout</c>, default 1 s.</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// <c>uni_websocket.join_push_messages</c>: several queued pushes share one WebSocket message, joined by <c>\n</c>.
    /// Default false: one push per message, which a plain <c>JSON.parse(event.data)</c> client can read.
    /// </summary>
    public bool JoinPushMessages { get; init; }

    /// <summary><c>uni_websocket.disable_disconnect_push</c>: close with the close frame only, no <c>disconnect</c> push first.</summary>
    public bool DisableDisconnectPush { get; init; }
}
