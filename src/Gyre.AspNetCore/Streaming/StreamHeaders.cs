using Microsoft.AspNetCore.Http;

namespace Gyre.AspNetCore.Streaming;

/// <summary>Response headers of the streaming connection endpoints and CORS for every HTTP connection endpoint.</summary>
internal static class StreamHeaders
{
    /// <summary>Centrifuge's no-cache set; <c>X-Accel-Buffering: no</c> keeps nginx from holding the stream back.</summary>
    public static void Apply(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status200OK;
        var headers = response.Headers;
        headers.CacheControl = "private, no-cache, no-store, must-revalidate, max-age=0";
        headers.Pragma = "no-cache";
        headers["Expire"] = "0";
        headers["X-Accel-Buffering"] = "no";
        if (HttpProtocol.IsHttp11(response.HttpContext.Request.Protocol) || HttpProtocol.IsHttp10(response.HttpContext.Request.Protocol))
        {
            // HTTP/2 forbids connection-specific headers (RFC 9113 §8.2.2).
            headers.Connection = "keep-alive";
        }
    }

    /// <summary>
    /// Centrifugo's CORS middleware: an allowed <c>Origin</c> is echoed with credentials, and the requested headers of a
    /// preflight are allowed; a disallowed one gets no CORS headers, so the browser blocks the response.
    /// </summary>
    public static void ApplyCors(HttpContext context, IReadOnlyList<string> allowedOrigins)
    {
        var origin = context.Request.Headers.Origin;
        if (origin.Count == 0 || !OriginPolicy.Allows(allowedOrigins, origin))
        {
            return;
        }

        var headers = context.Response.Headers;
        headers.AccessControlAllowOrigin = origin;
        headers.AccessControlAllowCredentials = "true";
        headers.Vary = "Origin";
        var requested = context.Request.Headers.AccessControlRequestHeaders;
        if (requested.Count > 0)
        {
            headers.AccessControlAllowHeaders = requested;
        }
    }

    /// <summary>The preflight answer of POST endpoints: 204, cached for 300 s.</summary>
    public static void Preflight(HttpResponse response)
    {
        response.Headers.AccessControlMaxAge = "300";
        response.Headers.AccessControlAllowMethods = "POST, OPTIONS";
        response.StatusCode = StatusCodes.Status204NoContent;
    }
}
