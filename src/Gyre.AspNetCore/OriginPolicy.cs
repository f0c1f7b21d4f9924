using System.Text.RegularExpressions;
using Microsoft.Extensions.Primitives;

namespace Gyre.AspNetCore;

/// <summary>
/// <c>client.allowed_origins</c>, as Centrifugo applies it: a request without <c>Origin</c> always passes; with an
/// empty list nothing else does; <c>*</c> admits all; otherwise glob patterns match the lower-cased origin.
/// </summary>
internal static class OriginPolicy
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

    private static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
}
