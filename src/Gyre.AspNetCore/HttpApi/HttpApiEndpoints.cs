using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Gyre.Core.ServerApi;
using Gyre.Protocol;
using Gyre.Protocol.Api;
using Gyre.Protocol.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gyre.AspNetCore.HttpApi;

/// <summary>
/// The HTTP server API: <c>POST /api/&lt;method&gt;</c> with a JSON body, skins over <see cref="ApiExecutor"/>.
/// Every method goes through <see cref="Map{TRequest,TResponse}"/>, so auth, decoding, error mode and encoding
/// exist once.
/// </summary>
internal static class HttpApiEndpoints
{
    /// <summary>A request body above this is refused with 413; Centrifugo leaves it to Go's 10 MB form limit.</summary>
    private const int MaxBodySize = 10 * 1024 * 1024;

    private static readonly byte[] BadRequestText = "Bad Request\n"u8.ToArray();

    public static void MapHttpApi(this IEndpointRouteBuilder endpoints, ApiExecutor executor, GyreEndpointOptions options)
    {
        var prefix = options.HttpApiPath.TrimEnd('/');
        var key = Encoding.UTF8.GetBytes(options.HttpApiKey);
        var context = new ApiContext(executor, key, options.HttpApiInsecure, options.HttpApiTransportErrorMode);
        Map(endpoints, prefix + "/publish", context, PublishRequest.Parser, (e, r, ct) => e.PublishAsync(r, ct), r => r.Error);
        Map(endpoints, prefix + "/broadcast", context, BroadcastRequest.Parser, (e, r, ct) => e.BroadcastAsync(r, ct), r => r.Error);
        Map(endpoints, prefix + "/subscribe", context, SubscribeRequest.Parser, (e, r, ct) => e.SubscribeAsync(r, ct), r => r.Error);
        Map(endpoints, prefix + "/unsubscribe", context, UnsubscribeRequest.Parser, (e, r, ct) => e.UnsubscribeAsync(r, ct), r => r.Error);
        Map(endpoints, prefix + "/disconnect", context, DisconnectRequest.Parser, (e, r, ct) => e.DisconnectAsync(r, ct), r => r.Error);
        Map(endpoints, prefix + "/refresh", context, RefreshRequest.Parser, (e, r, ct) => e.RefreshAsync(r, ct), r => r.Error);
        Map(endpoints, prefix + "/presence", context, PresenceRequest.Parser, (e, r, ct) => e.PresenceAsync(r, ct), r => r.Error);
        Map(endpoints, prefix + "/presence_stats", context, PresenceStatsRequest.Parser, (e, r, ct) => e.PresenceStatsAsync(r, ct), r => r.Error);
        Map(endpoints, prefix + "/history", context, HistoryRequest.Parser, (e, r, ct) => e.HistoryAsync(r, ct), r => r.Error);
        Map(endpoints, prefix + "/history_remove", context, HistoryRemoveRequest.Parser, (e, r, ct) => e.HistoryRemoveAsync(r, ct), r => r.Error);
        Map(endpoints, prefix + "/channels", context, ChannelsRequest.Parser, (e, r, _) => ValueTask.FromResult(e.Channels(r)), r => r.Error);
        Map(endpoints, prefix + "/info", context, InfoRequest.Parser, (e, r, _) => ValueTask.FromResult(e.Info(r)), r => r.Error);
        Map(endpoints, prefix + "/rpc", context, RPCRequest.Parser, (e, r, _) => ValueTask.FromResult(e.Rpc(r)), r => r.Error);

        // Batch replies carry their own errors and never use the transport error mode.
        Map(endpoints, prefix + "/batch", context, BatchRequest.Parser, (e, r, ct) => e.BatchAsync(r, ct), _ => null);
        endpoints.MapPost(prefix.Length == 0 ? "/" : prefix, httpContext => LegacyApi.HandleAsync(httpContext, context.Executor, context.Authorized));
    }

    private static void Map<TRequest, TResponse>(
        IEndpointRouteBuilder endpoints,
        string path,
        ApiContext api,
        MessageParser<TRequest> parser,
        Func<ApiExecutor, TRequest, CancellationToken, ValueTask<TResponse>> execute,
        Func<TResponse, Error?> errorOf)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        endpoints.MapPost(path, async context =>
        {
            if (!api.Authorized(context.Request))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }

            var body = await ReadBodyAsync(context).ConfigureAwait(false);
            if (body is null)
            {
                return;
            }

            TRequest request;
            try
            {
                request = ProtoJson.Parse(body.Value.Span, parser);
            }
            catch (ProtocolException)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.Body.WriteAsync(BadRequestText, context.RequestAborted).ConfigureAwait(false);
                return;
            }

            var response = await execute(api.Executor, request, context.RequestAborted).ConfigureAwait(false);
            context.Response.ContentType = "application/json";
            if (errorOf(response) is { } error && (api.TransportErrorMode || TransportErrorMode(context.Request)))
            {
                context.Response.StatusCode = ApiErrors.HttpStatus(error);
                await context.Response.Body.WriteAsync(ProtoJson.ToBytes(error), context.RequestAborted).ConfigureAwait(false);
                return;
            }

            await context.Response.Body.WriteAsync(ProtoJson.ToBytes(response), context.RequestAborted).ConfigureAwait(false);
        });
    }

    private static bool TransportErrorMode(HttpRequest request) =>
        string.Equals(request.Headers["X-Centrifugo-Error-Mode"], "transport", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads the whole body; null after writing 400 (empty) or 413 (too large).</summary>
    internal static async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
            if (result.Buffer.Length > MaxBodySize)
            {
                reader.AdvanceTo(result.Buffer.Start);
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                return null;
            }

            if (result.IsCompleted)
            {
                var body = result.Buffer.ToArray();
                reader.AdvanceTo(result.Buffer.End);
                if (body.Length == 0)
                {
                    context.Response.StatusCode = StatusCodes.Status400BadRequest;
                    context.Response.ContentType = "text/plain; charset=utf-8";
                    await context.Response.Body.WriteAsync(BadRequestText, context.RequestAborted).ConfigureAwait(false);
                    return null;
                }

                return body;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>The executor plus Centrifugo's key rules: <c>X-API-Key</c>, else <c>Authorization: apikey KEY</c>, else <c>?api_key=</c>.</summary>
    private sealed class ApiContext(ApiExecutor executor, byte[] key, bool insecure, bool transportErrorMode)
    {
        public ApiExecutor Executor { get; } = executor;

        /// <summary><c>http_api.error_mode: transport</c>: every error as an HTTP status, not only on request.</summary>
        public bool TransportErrorMode { get; } = transportErrorMode;

        public bool Authorized(HttpRequest request)
        {
            if (insecure)
            {
                return true;
            }

            if (key.Length == 0)
            {
                return false;
            }

            var header = request.Headers["X-API-Key"].ToString();
            if (header.Length > 0)
            {
                if (Matches(header))
                {
                    return true;
                }
            }
            else
            {
                var parts = request.Headers.Authorization.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 2 && parts[0].Equals("apikey", StringComparison.OrdinalIgnoreCase) && Matches(parts[1]))
                {
                    return true;
                }
            }

            return request.Query.TryGetValue("api_key", out var query) && Matches(query.ToString());
        }

        private bool Matches(string presented) =>
            CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), key);
    }
}
