namespace Gyre.Server.Configuration;

/// <summary>
/// Go <c>strconv</c> rules for scalar text. Centrifugo parses environment variables (and weakly typed file values)
/// with <c>strconv.ParseBool</c> and <c>strconv.ParseInt(s, 0, 64)</c>; Gyre accepts the same spellings so a
/// Centrifugo environment works unchanged.
/// </summary>
internal static class GoStrconv
{
    /// <summary><c>strconv.ParseBool</c>: <c>1 t T TRUE true True</c> and <c>0 f F FALSE false False</c>, nothing else.</summary>
    public static bool TryParseBool(string text, out bool value)
    {
        switch (text)
        {
            case "1" or "t" or "T" or "TRUE" or "true" or "True":
                value = true;
                return true;
            case "0" or "f" or "F" or "FALSE" or "false" or "False":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    /// <summary>
    /// <c>strconv.ParseInt(s, 0, 64)</c>: optional sign, then decimal, <c>0x</c> hex, <c>0o</c> or leading-zero
    /// octal, or <c>0b</c> binary; underscores may separate digits as in Go literals (<c>1_000</c>, <c>0x_ff</c>).
    /// </summary>
    public static bool TryParseInt64(string text, out long value)
    {
        value = 0;
        var s = text.AsSpan();
        var negative = false;
        if (s.Length > 0 && (s[0] == '+' || s[0] == '-'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        if (s.IsEmpty)
        {
            return false;
        }

        var radix = 10;
        var prefixed = false;
        if (s.Length > 1 && s[0] == '0')
        {
            (radix, prefixed) = char.ToLowerInvariant(s[1]) switch
            {
                'x' => (16, true),
                'o' => (8, true),
                'b' => (2, true),
                _ => (8, false),
            };
            s = prefixed ? s[2..] : s[1..];
        }
        // Go's underscoreOK: an underscore must follow a digit or the base prefix and precede a digit.
        var afterDigit = radix != 10;
        var afterUnderscore = false;
        UInt128 magnitude = 0;
        var digits = 0;
        foreach (var c in s)
        {
            if (c == '_')
            {
                if (!afterDigit)
                {
                    return false;
                }
                afterDigit = false;
                afterUnderscore = true;
                continue;
            }
            var digit = HexDigit(c);
            if (digit < 0 || digit >= radix)
            {
                return false;
            }
            magnitude = magnitude * (uint)radix + (uint)digit;
            if (magnitude > (UInt128)long.MaxValue + 1)
            {
                return false;
            }
            digits++;
            afterDigit = true;
            afterUnderscore = false;
        }
        if (afterUnderscore || (digits == 0 && prefixed))
        {
            return false;
        }
        if (!negative && magnitude > long.MaxValue)
        {
            return false;
        }
        value = negative ? (long)(-(Int128)magnitude) : (long)magnitude;
        return true;
    }

    /// <summary>Go's <c>%q</c> for the plain ASCII values config errors quote.</summary>
    public static string Quote(string text) =>
        "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static int HexDigit(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
