using System.Text;

namespace Gyre.Server.Configuration;

/// <summary>
/// <c>.env</c> files (<c>KEY=VALUE</c> lines), which Centrifugo loads from the working directory before reading the
/// environment. Supports what godotenv's common subset does: blank lines, <c>#</c> comments, an <c>export</c>
/// prefix, single quotes (literal), double quotes (with <c>\n</c>, <c>\t</c>, <c>\"</c>, <c>\\</c> escapes) and a
/// trailing <c> # comment</c> after unquoted values.
/// </summary>
internal static class DotEnvFile
{
    /// <summary>The file Centrifugo reads from the working directory.</summary>
    public const string FileName = ".env";

    /// <summary>Parses <paramref name="text"/>, read from <paramref name="path"/>.</summary>
    /// <exception cref="ConfigException">A line that is neither blank, a comment, nor <c>KEY=VALUE</c>.</exception>
    public static Dictionary<string, string> Parse(string text, string path)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line["export ".Length..].TrimStart();
            }
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            var key = equals > 0 ? line[..equals].TrimEnd() : "";
            if (!IsValidKey(key))
            {
                throw new ConfigException($"error reading {path}: line {lineNumber}: expected KEY=VALUE");
            }
            variables[key] = Value(line[(equals + 1)..].TrimStart(), path, lineNumber);
        }
        return variables;
    }

    /// <summary>
    /// The process environment with <paramref name="dotEnv"/> added underneath: a variable that is really set wins,
    /// as with godotenv's <c>Load</c>.
    /// </summary>
    public static Dictionary<string, string?> Underlay(IReadOnlyDictionary<string, string?> environment, IReadOnlyDictionary<string, string> dotEnv)
    {
        var merged = new Dictionary<string, string?>(environment, StringComparer.Ordinal);
        foreach (var (key, value) in dotEnv)
        {
            merged.TryAdd(key, value);
        }
        return merged;
    }

    private static string Value(string value, string path, int lineNumber)
    {
        if (value.StartsWith('\''))
        {
            var close = value.IndexOf('\'', 1);
            return close > 0 ? value[1..close] : throw Unterminated(path, lineNumber);
        }
        if (value.StartsWith('"'))
        {
            var builder = new StringBuilder();
            for (var i = 1; i < value.Length; i++)
            {
                var c = value[i];
                if (c == '"')
                {
                    return builder.ToString();
                }
                if (c == '\\' && i + 1 < value.Length)
                {
                    c = value[++i] switch
                    {
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        var other => other,
                    };
                }
                builder.Append(c);
            }
            throw Unterminated(path, lineNumber);
        }
        var comment = value.IndexOf(" #", StringComparison.Ordinal);
        return (comment < 0 ? value : value[..comment]).TrimEnd();
    }

    private static bool IsValidKey(string key) =>
        key.Length > 0
        && (char.IsAsciiLetter(key[0]) || key[0] == '_')
        && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.');

    private static ConfigException Unterminated(string path, int lineNumber) =>
        new($"error reading {path}: line {lineNumber}: unterminated quoted value");
}
