using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using Gyre.Core;
using Gyre.Core.Errors;
using Gyre.Protocol;
using Gyre.Protocol.Json;
using Microsoft.AspNetCore.Http;
using ConnectRequest = Gyre.Protocol.Messages.ConnectRequest;

namespace Gyre.AspNetCore.WebSockets;

/// <summary>
/// Accepts unidirectional WebSocket connections at <c>/connection/uni_websocket</c>: the connect request comes in the
/// <c>cf_connect</c> query parameter or as the first text message (a JSON <c>ConnectRequest</c>), then the server
/// sends one JSON push per message.
/// </summary>
internal static class UniWebSocketEndpoint
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(1);

    public static async Task HandleAsync(HttpContext context, Node node, GyreEndpointOptions options, ConnectionLimiter limiter)
    {
        if (!WebSocketEndpoint.Admit(context, options, limiter))
        {
            return;
        }

        var uni = options.UniWebSocket;
        var pingInterval = node.Options.Client.PingInterval;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            // Native WebSocket pings as well as the {} pushes, as Centrifugo's uni_websocket keeps idle proxies open.
            KeepAliveInterval = pingInterval > TimeSpan.Zero ? pingInterval : TimeSpan.Zero,
        }).ConfigureAwait(false);
        var query = context.Request.Query["cf_connect"].ToString();
        var connect = query.Length > 0
            ? Encoding.UTF8.GetBytes(query)
            : await ReceiveFirstMessageAsync(socket, uni.MessageSizeLimit, context.RequestAborted).ConfigureAwait(false);
        if (connect is null)
        {
            return;
        }

        ConnectRequest request;
        try
        {
            request = ProtoJson.Parse(connect, ConnectRequest.Parser);
        }
        catch (ProtocolException)
        {
            await CloseQuietlyAsync(socket, Disconnect.BadRequest).ConfigureAwait(false);
            return;
        }

        var transport = new WebSocketTransport(socket, uni);
        var client = node.Connect(transport);
        if (await client.ConnectUnidirectionalAsync(request).ConfigureAwait(false) is null)
        {
            await transport.ReceiveAsync(client, uni.MessageSizeLimit, context.RequestAborted).ConfigureAwait(false);
        }

        await client.Completion.ConfigureAwait(false);
    }

    /// <summary>The first message, or null when the peer left or sent more than <paramref name="limit"/> bytes (closed with 1009).</summary>
    private static async Task<byte[]?> ReceiveFirstMessageAsync(WebSocket socket, int limit, CancellationToken aborted)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(limit + 1, 4096));
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit)
                    {
                        await CloseQuietlyAsync(socket, new Disconnect(1009, "message too big")).ConfigureAwait(false);
                        return null;
                    }

                    var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(limit + 1, buffer.Length * 2));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var result = await socket.ReceiveAsync(buffer.AsMemory(length), aborted).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                length += result.Count;
                if (length > limit)
                {
                    await CloseQuietlyAsync(socket, new Disconnect(1009, "message too big")).ConfigureAwait(false);
                    return null;
                }

                if (result.EndOfMessage)
                {
                    return buffer.AsSpan(0, length).ToArray();
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task CloseQuietlyAsync(WebSocket socket, Disconnect disconnect)
    {
        try
        {
            using var timeout = new CancellationTokenSource(CloseTimeout);
            await socket.CloseOutputAsync((WebSocketCloseStatus)disconnect.Code, disconnect.Reason, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Gone already.
        }
    }
}
