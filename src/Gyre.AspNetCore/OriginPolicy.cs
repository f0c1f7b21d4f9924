using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Gyre.AspNetCore;

/// <summary>
/// <c>client.allowed_origins</c>, as Centrifugo applies it: a request without <c>Origin</c> always passes; with an
/// empty list nothing else does; <c>*</c> admits all; otherwise glob patterns match the lower-cased origin.
/// </summary>
internal static partial class OriginPolicy
{
    public static bool Allows(IReadOnlyList<string> allowed, StringValues origin)
    {
        if (StringValues.IsNullOrEmpty(origin))
        {
            return true;
        }

        var value = origin.ToString().ToLowerInvariant();
        foreach (var pattern in allowed)
        {
            if (pattern == "*" || Glob(pattern.ToLowerInvariant()).IsMatch(value))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Says why a request was refused with 403. Browsers always send <c>Origin</c>, so with the default empty
    /// <c>client.allowed_origins</c> the first page that connects is refused: the line names the key to set.
    /// </summary>
    public static void LogRejected(HttpContext context, IReadOnlyList<string> allowed)
    {
        var logger = context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("Gyre.AspNetCore.OriginPolicy");
        if (logger is null)
        {
            return;
        }

        var origin = context.Request.Headers.Origin.ToString();
        if (allowed.Count == 0)
        {
            LogRejectedEmptyList(logger, origin);
        }
        else
        {
            LogRejectedNotListed(logger, origin, string.Join(", ", allowed));
        }
    }

    [LoggerMessage(1, LogLevel.Warning,
        "request with Origin {Origin} refused (403): client.allowed_origins is empty, which refuses every request carrying an Origin header, as every browser does; list the page's origin there, e.g. \"https://example.com\"")]
    private static partial void LogRejectedEmptyList(ILogger logger, string origin);

    [LoggerMessage(2, LogLevel.Warning, "request with Origin {Origin} refused (403): it matches none of client.allowed_origins [{Allowed}]")]
    private static partial void LogRejectedNotListed(ILogger logger, string origin, string allowed);

    private static Regex Glob(string pattern) => Gyre.Core.GlobPattern.Compile(pattern);
}
