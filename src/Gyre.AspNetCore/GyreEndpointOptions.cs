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
}
