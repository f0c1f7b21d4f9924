namespace Gyre.Core.Errors;

/// <summary>
/// Why the server closes a connection. On WebSocket it becomes the close frame's code and plain-text reason.
/// </summary>
/// <remarks>
/// Every SDK derives reconnection from the code: 3000–3499, 4000–4499 and ≥ 5000 reconnect; 3500–3999 and
/// 4500–4999 are terminal. Reasons are plain text and at most 123 bytes (the WebSocket close payload limit);
/// they must never be valid JSON, because SDKs first try to parse a close reason as protocol v1's JSON object.
/// </remarks>
/// <param name="Code">Close code.</param>
/// <param name="Reason">Plain-text reason.</param>
public sealed record Disconnect(uint Code, string Reason)
{
    /// <summary>3000: the peer went away. Internal only: no close frame is sent.</summary>
    public static Disconnect ConnectionClosed { get; } = new(3000, "connection closed");

    /// <summary>3001: the node is shutting down; clients reconnect elsewhere.</summary>
    public static Disconnect Shutdown { get; } = new(3001, "shutdown");

    /// <summary>3004: a server fault; clients reconnect.</summary>
    public static Disconnect ServerError { get; } = new(3004, "internal server error");

    /// <summary>3005: the connection expired and was not refreshed in time.</summary>
    public static Disconnect Expired { get; } = new(3005, "connection expired");

    /// <summary>3006: a server-side subscription expired.</summary>
    public static Disconnect SubExpired { get; } = new(3006, "subscription expired");

    /// <summary>3008: the outbound queue overflowed <c>client.queue_max_size</c>.</summary>
    public static Disconnect Slow { get; } = new(3008, "slow");

    /// <summary>3009: a transport write failed or timed out.</summary>
    public static Disconnect WriteError { get; } = new(3009, "write error");

    /// <summary>3010: a stream gap on a server-side subscription.</summary>
    public static Disconnect InsufficientState { get; } = new(3010, "insufficient state");

    /// <summary>3011: the server API asked the client to reconnect.</summary>
    public static Disconnect ForceReconnect { get; } = new(3011, "force reconnect");

    /// <summary>3012: no pong within <c>client.pong_timeout</c> after a ping.</summary>
    public static Disconnect NoPong { get; } = new(3012, "no pong");

    /// <summary>3013: command rate limit.</summary>
    public static Disconnect TooManyRequests { get; } = new(3013, "too many requests");

    /// <summary>3500: a bad connection, refresh or subscription token. Terminal.</summary>
    public static Disconnect InvalidToken { get; } = new(3500, "invalid token");

    /// <summary>3501: a protocol violation. Terminal.</summary>
    public static Disconnect BadRequest { get; } = new(3501, "bad request");

    /// <summary>3502: no connect command within <c>client.stale_close_delay</c>. Terminal.</summary>
    public static Disconnect Stale { get; } = new(3502, "stale");

    /// <summary>3503: the server API disconnected the client. Terminal.</summary>
    public static Disconnect ForceNoReconnect { get; } = new(3503, "force disconnect");

    /// <summary>3504: per-user connection limit. Terminal.</summary>
    public static Disconnect ConnectionLimit { get; } = new(3504, "connection limit");

    /// <summary>3505: server-side subscriptions above the channel limit. Terminal.</summary>
    public static Disconnect ChannelLimit { get; } = new(3505, "channel limit");

    /// <summary>3506: a JSON client would receive a non-JSON payload. Terminal.</summary>
    public static Disconnect InappropriateProtocol { get; } = new(3506, "inappropriate protocol");

    /// <summary>3507. Terminal.</summary>
    public static Disconnect PermissionDenied { get; } = new(3507, "permission denied");

    /// <summary>3508: <c>send</c> without a message handler. Terminal.</summary>
    public static Disconnect NotAvailable { get; } = new(3508, "not available");

    /// <summary>3509. Terminal.</summary>
    public static Disconnect TooManyErrors { get; } = new(3509, "too many errors");

    /// <summary>Whether SDKs reconnect after this code.</summary>
    public bool Reconnect => Code is (>= 3000 and < 3500) or (>= 4000 and < 4500) or >= 5000;
}
