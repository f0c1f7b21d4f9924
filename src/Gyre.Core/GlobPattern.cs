using System.Text;
using System.Text.RegularExpressions;

namespace Gyre.Core;

/// <summary>
/// The glob syntax Centrifugo takes from <c>gobwas/glob</c> (compiled without separators), for the <c>channels</c>
/// API pattern and <c>client.allowed_origins</c>: <c>*</c> any run of characters, <c>?</c> one character,
/// <c>[abc]</c>, <c>[a-z]</c> and their negations <c>[!…]</c>, alternatives <c>{a,b}</c> (which may nest), and
/// <c>\</c> escaping the next character.
/// </summary>
public static class GlobPattern
{
    /// <summary>
    /// Bound on one match: patterns come from API callers and configuration; the non-backtracking engine keeps a
    /// match linear, and 100 ms is far above what matching a 255-character channel name takes.
    /// </summary>
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>Compiles <paramref name="glob"/> into an anchored regex.</summary>
    /// <exception cref="FormatException">An unclosed <c>[</c> or <c>{</c>, a stray <c>}</c>, or a trailing <c>\</c>.</exception>
    public static Regex Compile(string glob, bool ignoreCase = false)
    {
        var regex = new StringBuilder("^", glob.Length + 8);
        var position = 0;
        var depth = 0;
        while (position < glob.Length)
        {
            var c = glob[position++];
            switch (c)
            {
                case '*':
                    regex.Append("(?s:.*)");
                    break;
                case '?':
                    regex.Append("(?s:.)");
                    break;
                case '\\':
                    if (position == glob.Length)
                    {
                        throw new FormatException($"glob {glob}: trailing escape character");
                    }

                    regex.Append(Regex.Escape(glob[position++].ToString()));
                    break;
                case '[':
                    position = AppendClass(glob, position, regex);
                    break;
                case '{':
                    depth++;
                    regex.Append("(?:");
                    break;
                case '}' when depth > 0:
                    depth--;
                    regex.Append(')');
                    break;
                case ',' when depth > 0:
                    regex.Append('|');
                    break;
                case '}':
                    throw new FormatException($"glob {glob}: '}}' without '{{'");
                default:
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }

        if (depth > 0)
        {
            throw new FormatException($"glob {glob}: unclosed '{{'");
        }

        regex.Append('$');
        var options = RegexOptions.CultureInvariant | RegexOptions.NonBacktracking | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
        return new Regex(regex.ToString(), options, MatchTimeout);
    }

    /// <summary>Appends <c>[…]</c> starting after its <c>[</c>; returns the position after its <c>]</c>.</summary>
    private static int AppendClass(string glob, int position, StringBuilder regex)
    {
        var end = glob.IndexOf(']', position);
        if (end < 0)
        {
            throw new FormatException($"glob {glob}: unclosed '['");
        }

        var negated = position < end && glob[position] == '!';
        var body = glob[(negated ? position + 1 : position)..end];
        if (body.Length == 0)
        {
            throw new FormatException($"glob {glob}: empty character class");
        }

        regex.Append(negated ? "[^" : "[");
        for (var i = 0; i < body.Length; i++)
        {
            var isRange = body[i] == '-' && i > 0 && i < body.Length - 1;
            regex.Append(isRange ? "-" : EscapeInClass(body[i]));
        }

        regex.Append(']');
        return end + 1;
    }

    private static string EscapeInClass(char c) => c is '\\' or ']' or '[' or '^' or '-' ? "\\" + c : c.ToString();
}
