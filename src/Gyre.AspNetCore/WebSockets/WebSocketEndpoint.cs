using System.Net.WebSockets;
using Gyre.Core;
using Gyre.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gyre.AspNetCore.WebSockets;

/// <summary>Accepts bidirectional WebSocket connections at <c>/connection/websocket</c> (GET over HTTP/1.1 or CONNECT over HTTP/2).</summary>
internal static class WebSocketEndpoint
{
    private const string JsonSubprotocol = "centrifuge-json";
    private const string ProtobufSubprotocol = "centrifuge-protobuf";

    public static async Task HandleAsync(HttpContext context, Node node, GyreEndpointOptions options, ConnectionLimiter limiter)
    {
        if (!Admit(context, options, limiter))
        {
            return;
        }

        var (protocol, subprotocol) = SelectProtocol(context);
        var accept = new WebSocketAcceptContext
        {
            SubProtocol = subprotocol,

            // Negotiated only when the client offers permessage-deflate; the runtime then inflates inbound
            // messages transparently, which is why the read limit below becomes the decompressed limit.
            DangerousEnableCompression = options.WebSocketCompression,

            // The protocol's own ping/pong (25 s by default) already keeps the connection alive and detects dead
            // peers; the runtime's keep-alive (2 min by default) would add a timer and unsolicited pong frames
            // to every connection for nothing.
            KeepAliveInterval = TimeSpan.Zero,
        };
        using var socket = await context.WebSockets.AcceptWebSocketAsync(accept).ConfigureAwait(false);
        // The middleware answers the offer in Sec-WebSocket-Extensions only when deflate was agreed on.
        var compressed = options.WebSocketCompression && context.Response.Headers.ContainsKey("Sec-WebSocket-Extensions");
        var transport = new WebSocketTransport(socket, protocol, options.WebSocketWriteTimeout, options.WebSocketCompressionMinSize);
        var readLimit = compressed ? options.EffectiveWebSocketReadLimit : options.WebSocketMessageSizeLimit;
        var client = node.Connect(transport);
        await transport.ReceiveAsync(client, readLimit, context.RequestAborted).ConfigureAwait(false);
        await client.Completion.ConfigureAwait(false);
    }

    /// <summary>
    /// The checks before any WebSocket upgrade (bidirectional or <c>uni_websocket</c>): 503 past the connection
    /// limits, 400 for a request that is not an upgrade, 403 (logged with the reason) for an origin not allowed.
    /// </summary>
    internal static bool Admit(HttpContext context, GyreEndpointOptions options, ConnectionLimiter limiter)
    {
        if (limiter.Enabled && !limiter.TryAdmit())
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return false;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return false;
        }

        if (!OriginPolicy.Allows(options.AllowedOrigins, context.Request.Headers.Origin))
        {
            OriginPolicy.LogRejected(context, options.AllowedOrigins);
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return false;
        }

        return true;
    }

    /// <summary>
    /// Protobuf when the client offers the <c>centrifuge-protobuf</c> subprotocol or asks with
    /// <c>?cf_protocol=protobuf</c> / <c>?format=protobuf</c>; otherwise JSON. An offered subprotocol is echoed.
    /// </summary>
    private static (ProtocolType Protocol, string? Subprotocol) SelectProtocol(HttpContext context)
    {
        foreach (var offered in context.WebSockets.WebSocketRequestedProtocols)
        {
            if (offered == ProtobufSubprotocol)
            {
                return (ProtocolType.Protobuf, ProtobufSubprotocol);
            }

            if (offered == JsonSubprotocol)
            {
                return (ProtocolType.Json, JsonSubprotocol);
            }
        }

        var query = context.Request.Query;
        return query["cf_protocol"] == "protobuf" || query["format"] == "protobuf"
            ? (ProtocolType.Protobuf, null)
            : (ProtocolType.Json, null);
    }
}
