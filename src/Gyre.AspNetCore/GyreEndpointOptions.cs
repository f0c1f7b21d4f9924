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

    /// <summary>
    /// <c>websocket.compression</c>, default false: accept permessage-deflate (RFC 7692) when the client offers
    /// it. Browsers and <c>ws</c> offer it by default; compressing costs CPU per message, so it stays opt-in.
    /// </summary>
    public bool WebSocketCompression { get; init; }

    /// <summary>
    /// <c>websocket.compression_min_size</c>, default 0: with compression negotiated, frames of at most this many
    /// bytes go out uncompressed (deflate overhead beats the saving on small frames). Zero compresses every frame.
    /// </summary>
    public int WebSocketCompressionMinSize { get; init; }

    /// <summary>
    /// <c>websocket.compression_level</c>, default 1. Accepted for compatibility; the .NET runtime's deflater
    /// has no level setting, so outbound frames use its fixed level whatever this says.
    /// </summary>
    public int WebSocketCompressionLevel { get; init; } = 1;

    /// <summary>
    /// <c>websocket.decompressed_message_size_limit</c>, default 0 = 10 × <see cref="WebSocketMessageSizeLimit"/>
    /// (655,360 bytes with the defaults), as in Centrifugo v6.8.4. With compression on, an inbound message whose
    /// inflated size exceeds it closes the connection with 1009: a few kilobytes of deflate can inflate about
    /// 1,000-fold (a decompression bomb), and the receive loop inflates in 4 KB steps and stops at the limit.
    /// </summary>
    public int WebSocketDecompressedMessageSizeLimit { get; init; }

    /// <summary>
    /// The inbound size limit after decoding: the decompressed limit when compression is on, otherwise the
    /// message size limit. The runtime inflates transparently, so with compression on this is the only bound
    /// Gyre can apply (Centrifugo additionally bounds the compressed bytes by the message size limit).
    /// </summary>
    public int EffectiveWebSocketReadLimit => !WebSocketCompression
        ? WebSocketMessageSizeLimit
        : WebSocketDecompressedMessageSizeLimit > 0
            ? WebSocketDecompressedMessageSizeLimit
            : WebSocketMessageSizeLimit * DecompressedMessageSizeLimitMultiplier;

    /// <summary>Centrifugo's default ratio of the decompressed limit to the message size limit.</summary>
    public const int DecompressedMessageSizeLimitMultiplier = 10;

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
    /// <c>init.enabled</c>, default false: <c>GET</c> on <see cref="InitPath"/> answers 200 <c>{}</c>, as in
    /// Centrifugo v6, so a client can open (and warm up) an HTTP/2 connection before its WebSocket, or a load
    /// balancer can probe the connection path. It goes through the connection limit like the transports.
    /// </summary>
    public bool InitEnabled { get; init; }

    /// <summary><c>init.handler_prefix</c>, default <c>/connection/init</c>.</summary>
    public string InitPath { get; init; } = "/connection/init";

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
