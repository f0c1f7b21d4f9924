using System.Text;

namespace Gyre.Core.Auth;

/// <summary>
/// The <c>jwks_public_endpoint</c> URL template: <c>{{name}}</c> placeholders are filled with named groups of
/// <c>issuer_regex</c>/<c>audience_regex</c> matched against the token's (still unverified) <c>iss</c>/<c>aud</c>.
/// </summary>
/// <remarks>
/// Because the values come from an unverified token, Centrifugo 6.7.0 (CVE-2026-32301) requires every group used as a
/// placeholder to be an explicit list of literals (<c>(?P&lt;realm&gt;master|staging)</c>): with <c>[a-z]+</c> a forged
/// <c>iss</c> could send key fetches to a host or path the attacker controls and then sign with their own key.
/// <see cref="CheckSafety"/> applies that rule at startup; <see cref="Resolve"/> additionally refuses resolved paths that
/// are not clean (<c>..</c>, <c>//</c>, <c>./</c>, a trailing slash), as Centrifugo's <c>path.Clean</c> comparison does.
/// </remarks>
public sealed class JwksEndpoint
{
    private readonly string _template;
    private readonly bool _hasPlaceholders;

    /// <summary>Checks the URL's scheme and keeps the template.</summary>
    /// <exception cref="FormatException">Not an http or https URL.</exception>
    public JwksEndpoint(string template)
    {
        if (!template.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !template.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException($"endpoint must have http:// or https:// scheme, got: {template}");
        }

        _template = template;
        _hasPlaceholders = Placeholders(template).Count > 0;
    }

    /// <summary>The names inside <c>{{…}}</c> in <paramref name="template"/>, in order.</summary>
    public static IReadOnlyList<string> Placeholders(string template)
    {
        var names = new List<string>();
        var rest = template.AsSpan();
        while (true)
        {
            var start = rest.IndexOf("{{", StringComparison.Ordinal);
            if (start < 0)
            {
                return names;
            }

            rest = rest[(start + 2)..];
            var end = rest.IndexOf("}}", StringComparison.Ordinal);
            if (end < 0)
            {
                return names;
            }

            names.Add(rest[..end].ToString());
            rest = rest[(end + 2)..];
        }
    }

    /// <summary>
    /// Centrifugo 6.7's startup rule: when <paramref name="template"/> has placeholders, the issuer and audience
    /// regexes may not use character classes (<c>[…]</c>, <c>\d</c>, <c>\w</c>, <c>\s</c>, <c>\p</c> and their negations),
    /// and every named group used as a placeholder must match only a finite set of fixed strings (literals, <c>|</c>,
    /// nested groups; no <c>.</c>, quantifiers or anchors). Returns the violation, or null when the template is safe.
    /// </summary>
    public static string? CheckSafety(string template, string issuerRegex, string audienceRegex)
    {
        var placeholders = Placeholders(template);
        if (placeholders.Count == 0)
        {
            return null;
        }

        foreach (var (key, pattern) in new[] { ("issuer_regex", issuerRegex), ("audience_regex", audienceRegex) })
        {
            if (pattern.Length == 0)
            {
                continue;
            }

            if (CharacterClass(pattern) is { } found)
            {
                return $"{key} contains character class syntax ({found}) which is not allowed when JWKS endpoint URL template is used — use an explicit list of allowed values (e.g., value1|value2|value3)";
            }

            foreach (var (name, body) in NamedGroups(pattern))
            {
                if (placeholders.Contains(name) && !IsLiteralAlternation(body))
                {
                    return $"{key} named group \"{name}\" is used in JWKS endpoint URL template — only an explicit list of allowed values is permitted (e.g., value1|value2|value3)";
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Fills the placeholders (a missing value becomes empty, as in Centrifugo's fasttemplate) and returns the URL, or
    /// null when its path is not clean.
    /// </summary>
    public string? Resolve(IReadOnlyDictionary<string, string> values)
    {
        if (!_hasPlaceholders)
        {
            return _template;
        }

        var url = new StringBuilder(_template.Length + 32);
        var rest = _template.AsSpan();
        while (true)
        {
            var start = rest.IndexOf("{{", StringComparison.Ordinal);
            var end = start < 0 ? -1 : rest[(start + 2)..].IndexOf("}}", StringComparison.Ordinal);
            if (end < 0)
            {
                url.Append(rest);
                break;
            }

            url.Append(rest[..start]);
            var name = rest.Slice(start + 2, end).ToString();
            url.Append(values.TryGetValue(name, out var value) ? value : "");
            rest = rest[(start + 2 + end + 2)..];
        }

        var resolved = url.ToString();
        return IsCleanPath(resolved) ? resolved : null;
    }

    /// <summary>Whether the URL's decoded path equals Go's <c>path.Clean</c> of it (an empty path is clean).</summary>
    internal static bool IsCleanPath(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        var afterScheme = schemeEnd < 0 ? 0 : schemeEnd + 3;
        var pathStart = url.IndexOfAny(['/', '?', '#'], afterScheme);
        if (pathStart < 0 || url[pathStart] != '/')
        {
            return true;
        }

        var pathEnd = url.IndexOfAny(['?', '#'], pathStart);
        string path;
        try
        {
            path = Uri.UnescapeDataString(url[pathStart..(pathEnd < 0 ? url.Length : pathEnd)]);
        }
        catch (UriFormatException)
        {
            return false;
        }

        return path == GoPathClean(path);
    }

    /// <summary>Go's <c>path.Clean</c>: drops empty and <c>.</c> elements, resolves <c>..</c>, removes a trailing slash.</summary>
    internal static string GoPathClean(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }

        var rooted = path[0] == '/';
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0 && parts[^1] != "..")
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                else if (!rooted)
                {
                    parts.Add(part);
                }

                continue;
            }

            parts.Add(part);
        }

        var joined = string.Join('/', parts);
        return rooted ? "/" + joined : joined.Length == 0 ? "." : joined;
    }

    /// <summary>The first character-class construct in <paramref name="pattern"/>, or null.</summary>
    private static string? CharacterClass(string pattern)
    {
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '[')
            {
                return "[";
            }

            if (pattern[i] == '\\' && i + 1 < pattern.Length)
            {
                if ("dDwWsSpP".Contains(pattern[i + 1], StringComparison.Ordinal))
                {
                    return "\\" + pattern[i + 1];
                }

                i++;
            }
        }

        return null;
    }

    /// <summary>Named groups (<c>(?P&lt;n&gt;…)</c> or <c>(?&lt;n&gt;…)</c>) with the text of their bodies.</summary>
    private static IEnumerable<(string Name, string Body)> NamedGroups(string pattern)
    {
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '\\')
            {
                i++;
                continue;
            }

            if (pattern[i] != '(')
            {
                continue;
            }

            var rest = pattern.AsSpan(i);
            var nameStart = rest.StartsWith("(?P<", StringComparison.Ordinal) ? 4 : rest.StartsWith("(?<", StringComparison.Ordinal) ? 3 : -1;
            if (nameStart < 0)
            {
                continue;
            }

            var nameEnd = rest.IndexOf('>');
            if (nameEnd < nameStart)
            {
                continue;
            }

            var bodyStart = i + nameEnd + 1;
            var bodyEnd = MatchingParenthesis(pattern, bodyStart);
            yield return (rest[nameStart..nameEnd].ToString(), pattern[bodyStart..bodyEnd]);
        }
    }

    /// <summary>Index of the <c>)</c> closing the group whose body starts at <paramref name="start"/> (or the end).</summary>
    private static int MatchingParenthesis(string pattern, int start)
    {
        var depth = 0;
        for (var i = start; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '\\':
                    i++;
                    break;
                case '(':
                    depth++;
                    break;
                case ')' when depth == 0:
                    return i;
                case ')':
                    depth--;
                    break;
            }
        }

        return pattern.Length;
    }

    /// <summary>
    /// Whether a group body can match only fixed strings: literal characters and escaped punctuation, <c>|</c>, nested
    /// groups and flag groups such as <c>(?i)</c>. Anything else (<c>.</c>, <c>*</c>, <c>+</c>, <c>?</c>, <c>{</c>, anchors,
    /// <c>\b</c>, <c>\A</c>, <c>\z</c>) can match open-ended input or is not worth accepting.
    /// </summary>
    private static bool IsLiteralAlternation(string body)
    {
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            switch (c)
            {
                case '\\':
                    if (i + 1 >= body.Length)
                    {
                        return false;
                    }

                    var escaped = body[++i];
                    if (char.IsAsciiLetterOrDigit(escaped) && !"ntrfva".Contains(escaped, StringComparison.Ordinal))
                    {
                        return false;
                    }

                    break;
                case '(':
                    if (i + 1 < body.Length && body[i + 1] == '?')
                    {
                        // (?:…), (?P<n>…), (?<n>…), (?flags) and (?flags:…) keep the content literal.
                        var j = i + 2;
                        if (j < body.Length && (body[j] == 'P' || body[j] == '<'))
                        {
                            var close = body.IndexOf('>', j);
                            if (close < 0)
                            {
                                return false;
                            }

                            i = close;
                            break;
                        }

                        while (j < body.Length && (char.IsAsciiLetter(body[j]) || body[j] == '-'))
                        {
                            j++;
                        }

                        if (j >= body.Length || (body[j] != ':' && body[j] != ')'))
                        {
                            return false;
                        }

                        i = j;
                    }

                    break;
                case '.' or '*' or '+' or '?' or '{' or '^' or '$':
                    return false;
            }
        }

        return true;
    }
}
