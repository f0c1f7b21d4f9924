using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Gyre.Core;
using Gyre.Core.Errors;
using Gyre.Protocol;
using Gyre.Protocol.Json;
using Microsoft.AspNetCore.Http;
using Command = Gyre.Protocol.Messages.Command;
using ConnectRequest = Gyre.Protocol.Messages.ConnectRequest;
using EmulationRequest = Gyre.Protocol.Messages.EmulationRequest;

namespace Gyre.AspNetCore.Streaming;

/// <summary>
/// The HTTP connection endpoints: HTTP-streaming and SSE with <c>/emulation</c> (bidirectional emulation), and their
/// unidirectional variants. Each request that opens a stream becomes one client whose replies or pushes fill the
/// response until either side ends it.
/// </summary>
internal static class StreamingEndpoints
{
    /// <summary>The query parameter that carries the connect command (SSE) or connect request (uni SSE) of a GET.</summary>
    private const string ConnectParameter = "cf_connect";

    private const string OctetStream = "application/octet-stream";

    /// <summary><c>/connection/http_stream</c>: POST with the connect command frame; Protobuf when the body is <c>application/octet-stream</c>.</summary>
    public static async Task HandleHttpStreamAsync(HttpContext context, Node node, GyreEndpointOptions options, ConnectionLimiter limiter)
    {
        StreamHeaders.ApplyCors(context, options.AllowedOrigins);
        var frame = await ReadPostAsync(context, options.HttpStream.MaxRequestBodySize, "http_stream").ConfigureAwait(false);
        if (frame is null)
        {
            return;
        }

        var protocol = IsOctetStream(context.Request) ? ProtocolType.Protobuf : ProtocolType.Json;
        var framing = protocol == ProtocolType.Protobuf ? StreamFraming.Delimited : StreamFraming.Lines;
        await RunEmulatedAsync(context, node, limiter, "http_stream", protocol, framing, frame, options.HttpStream.MaxRequestBodySize).ConfigureAwait(false);
    }

    /// <summary><c>/connection/sse</c>: GET with the connect command in <c>cf_connect</c>, or POST with it as the body. JSON only.</summary>
    public static async Task HandleSseAsync(HttpContext context, Node node, GyreEndpointOptions options, ConnectionLimiter limiter)
    {
        StreamHeaders.ApplyCors(context, options.AllowedOrigins);
        var frame = await ReadConnectAsync(context, options.Sse.MaxRequestBodySize, "sse", queryRequired: true).ConfigureAwait(false);
        if (frame is null)
        {
            return;
        }

        await RunEmulatedAsync(context, node, limiter, "sse", ProtocolType.Json, StreamFraming.EventStream, frame, options.Sse.MaxRequestBodySize).ConfigureAwait(false);
    }

    /// <summary><c>/connection/uni_http_stream</c>: POST with a JSON <c>ConnectRequest</c>; every push followed by <c>\n</c>.</summary>
    public static async Task HandleUniHttpStreamAsync(HttpContext context, Node node, GyreEndpointOptions options, ConnectionLimiter limiter)
    {
        StreamHeaders.ApplyCors(context, options.AllowedOrigins);
        var body = await ReadPostAsync(context, options.UniHttpStream.MaxRequestBodySize, "uni_http_stream").ConfigureAwait(false);
        if (body is null)
        {
            return;
        }

        await RunUnidirectionalAsync(context, node, limiter, "uni_http_stream", StreamFraming.Lines, body, options.UniHttpStream).ConfigureAwait(false);
    }

    /// <summary><c>/connection/uni_sse</c>: GET with an optional JSON <c>ConnectRequest</c> in <c>cf_connect</c>, or POST with it as the body.</summary>
    public static async Task HandleUniSseAsync(HttpContext context, Node node, GyreEndpointOptions options, ConnectionLimiter limiter)
    {
        StreamHeaders.ApplyCors(context, options.AllowedOrigins);
        var body = await ReadConnectAsync(context, options.UniSse.MaxRequestBodySize, "uni_sse", queryRequired: false).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }

        await RunUnidirectionalAsync(context, node, limiter, "uni_sse", StreamFraming.EventStream, body, options.UniSse).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>/emulation</c>: a frame of commands for the HTTP-streaming or SSE connection named by <c>session</c> (and
    /// <c>node</c>), as JSON <c>{"session","node","data"}</c> with <c>data</c> the frame as a string, or as a Protobuf
    /// <c>EmulationRequest</c> when the body is <c>application/octet-stream</c>. Replies go out on the stream; this
    /// request answers 204, or 400/404/413 with a plain-text reason.
    /// </summary>
    /// <remarks>
    /// Centrifuge answers an unknown session with 204 as well. Gyre says 404 "unknown session", which centrifuge-js
    /// ignores (it never reads the response) and which tells a person debugging with curl what happened.
    /// </remarks>
    public static async Task HandleEmulationAsync(HttpContext context, IEmulationRouter router, GyreEndpointOptions options)
    {
        StreamHeaders.ApplyCors(context, options.AllowedOrigins);
        var body = await ReadPostAsync(context, options.EmulationMaxRequestBodySize, "emulation").ConfigureAwait(false);
        if (body is null)
        {
            return;
        }

        if (!TryParseEmulationRequest(body, IsOctetStream(context.Request), out var nodeId, out var session, out var frame, out var problem))
        {
            await FailAsync(context, StatusCodes.Status400BadRequest, "malformed emulation request: " + problem).ConfigureAwait(false);
            return;
        }

        var result = await router.DeliverAsync(nodeId, session, frame, context.RequestAborted).ConfigureAwait(false);
        switch (result)
        {
            case EmulationResult.Delivered:
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                break;
            case EmulationResult.UnknownNode:
                await FailAsync(context, StatusCodes.Status404NotFound, "unknown node " + nodeId).ConfigureAwait(false);
                break;
            default:
                await FailAsync(context, StatusCodes.Status404NotFound, "unknown session " + session).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>
    /// The JSON shape, as centrifuge-js sends it: <c>{"session":"…","node":"…","data":"{\"id\":2,…}"}</c>. The Protobuf
    /// shape is <c>EmulationRequest</c> (node 1, session 2, data 3 = varint-delimited commands).
    /// </summary>
    internal static bool TryParseEmulationRequest(byte[] body, bool protobuf, out string nodeId, out string session, out ReadOnlyMemory<byte> frame, out string problem)
    {
        nodeId = "";
        session = "";
        frame = default;
        problem = "";
        if (protobuf)
        {
            try
            {
                var message = EmulationRequest.Parser.ParseFrom(body);
                (nodeId, session, frame) = (message.Node, message.Session, message.Data.Memory);
            }
            catch (InvalidProtocolBufferException e)
            {
                problem = e.Message;
                return false;
            }
        }
        else
        {
            try
            {
                var reader = new Utf8JsonReader(body);
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    problem = "not a JSON object";
                    return false;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString();
                    reader.Read();
                    switch (name)
                    {
                        case "session" when reader.TokenType == JsonTokenType.String:
                            session = reader.GetString()!;
                            break;
                        case "node" when reader.TokenType == JsonTokenType.String:
                            nodeId = reader.GetString()!;
                            break;
                        case "data" when reader.TokenType == JsonTokenType.String:
                            frame = Encoding.UTF8.GetBytes(reader.GetString()!);
                            break;
                        case "session" or "node" or "data":
                            problem = name + " must be a string";
                            return false;
                        default:
                            reader.Skip();
                            break;
                    }
                }
            }
            catch (JsonException e)
            {
                problem = e.Message;
                return false;
            }
        }

        if (session.Length == 0)
        {
            problem = "no session";
            return false;
        }

        if (frame.IsEmpty)
        {
            problem = "no data";
            return false;
        }

        return true;
    }

    private static async Task RunEmulatedAsync(HttpContext context, Node node, ConnectionLimiter limiter, string name, ProtocolType protocol, StreamFraming framing, byte[] frame, int maxCommandSize)
    {
        // The connect command is checked before the stream opens, so a malformed one gets a 400 the caller can read
        // instead of a stream holding only a 3501 disconnect.
        var commands = new List<Command>(1);
        try
        {
            ProtocolCodec.For(protocol).DecodeCommands(frame, maxCommandSize, commands);
        }
        catch (ProtocolException e)
        {
            await FailAsync(context, StatusCodes.Status400BadRequest, "malformed connect command: " + e.Message).ConfigureAwait(false);
            return;
        }

        if (commands[0].Connect is null)
        {
            await FailAsync(context, StatusCodes.Status400BadRequest, "the first command must be connect").ConfigureAwait(false);
            return;
        }

        if (limiter.Enabled && !limiter.TryAdmit())
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        var transport = new HttpStreamingTransport(context, name, protocol, framing, unidirectional: false);
        await transport.StartAsync().ConfigureAwait(false);
        var client = node.Connect(transport);
        await client.HandleEmulatedFrameAsync(frame, context.RequestAborted).ConfigureAwait(false);
        await WaitAsync(client, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task RunUnidirectionalAsync(HttpContext context, Node node, ConnectionLimiter limiter, string name, StreamFraming framing, byte[] body, StreamEndpointOptions options)
    {
        ConnectRequest request;
        try
        {
            request = ProtoJson.Parse(body, ConnectRequest.Parser);
        }
        catch (ProtocolException e)
        {
            await FailAsync(context, StatusCodes.Status400BadRequest, "malformed connect request: " + e.Message).ConfigureAwait(false);
            return;
        }

        if (limiter.Enabled && !limiter.TryAdmit())
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        var transforms = options.ConnectCodeToHttpResponse;
        var transport = new HttpStreamingTransport(context, name, ProtocolType.Json, framing, unidirectional: true);
        if (transforms is null)
        {
            await transport.StartAsync().ConfigureAwait(false);
        }

        var client = node.Connect(transport);
        var rejection = await client.ConnectUnidirectionalAsync(request, closeWithDisconnect: transforms is null).ConfigureAwait(false);
        if (rejection is { } rejected && transforms is not null)
        {
            await client.Completion.ConfigureAwait(false);
            if (!transport.Started)
            {
                var (status, text) = transforms.TryGetValue(rejected.Code, out var to)
                    ? (to.StatusCode, to.Body.Length > 0 ? to.Body : rejected.Reason)
                    : (StatusCodes.Status500InternalServerError, "Internal Server Error");
                await FailAsync(context, status, text).ConfigureAwait(false);
            }

            return;
        }

        await WaitAsync(client, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Until the client closes (its last frame written) or the peer goes away.</summary>
    private static async Task WaitAsync(Client client, CancellationToken aborted)
    {
        try
        {
            await client.Completion.WaitAsync(aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            await client.CloseAsync(Disconnect.ConnectionClosed).ConfigureAwait(false);
            await client.Completion.ConfigureAwait(false);
        }
    }

    /// <summary>The connect payload of a GET (<c>cf_connect</c>) or POST (body); null after answering an error itself.</summary>
    private static async Task<byte[]?> ReadConnectAsync(HttpContext context, int limit, string section, bool queryRequired)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method))
        {
            var value = request.Query[ConnectParameter].ToString();
            if (value.Length > 0)
            {
                return Encoding.UTF8.GetBytes(value);
            }

            if (!queryRequired)
            {
                return "{}"u8.ToArray();
            }

            await FailAsync(context, StatusCodes.Status400BadRequest, "missing cf_connect query parameter").ConfigureAwait(false);
            return null;
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return null;
        }

        return await ReadPostAsync(context, limit, section).ConfigureAwait(false);
    }

    /// <summary>
    /// The body of a POST, at most <paramref name="limit"/> bytes. Anything else is answered here and null returned:
    /// OPTIONS gets the CORS preflight, other methods 405, a larger body 413 naming <c>{section}.max_request_body_size</c>.
    /// </summary>
    private static async Task<byte[]?> ReadPostAsync(HttpContext context, int limit, string section)
    {
        var request = context.Request;
        if (HttpMethods.IsOptions(request.Method))
        {
            StreamHeaders.Preflight(context.Response);
            return null;
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return null;
        }

        var body = await RequestBody.ReadAsync(request, limit, context.RequestAborted).ConfigureAwait(false);
        if (body is null)
        {
            await FailAsync(context, StatusCodes.Status413RequestEntityTooLarge, $"request body exceeds {section}.max_request_body_size ({limit} bytes)").ConfigureAwait(false);
        }

        return body;
    }

    private static bool IsOctetStream(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith(OctetStream, StringComparison.OrdinalIgnoreCase);

    private static Task FailAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message, context.RequestAborted);
    }
}
