using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Gyre.Server.Configuration;

/// <summary>
/// Go <c>time.Duration</c> text: <c>"25s"</c>, <c>"1500ms"</c>, <c>"1h30m"</c>, <c>"-1s"</c>. Centrifugo reads every
/// duration option with <c>time.ParseDuration</c> and prints them with <c>Duration.String()</c>, so Gyre accepts and
/// writes exactly the same text.
/// </summary>
/// <remarks>
/// Go durations count nanoseconds in an <see cref="long"/>, so the range is about ±292 years; larger values are
/// rejected as Go rejects them. A <see cref="TimeSpan"/> has 100 ns ticks: sub-tick remainders are truncated toward zero.
/// </remarks>
public static class GoDuration
{
    private const long NanosecondsPerTick = 100;
    private const ulong Microsecond = 1_000;
    private const ulong Millisecond = 1_000_000;
    private const ulong Second = 1_000_000_000;

    /// <summary>Go's largest magnitude, 2^63 ns: a positive total may reach 2^63 - 1, a negative one -2^63.</summary>
    private const ulong MaxMagnitude = 1UL << 63;

    /// <summary>Parses Go duration text.</summary>
    /// <exception cref="FormatException">The text is not a Go duration; the message is Go's.</exception>
    public static TimeSpan Parse(string text)
    {
        return TryParseNanoseconds(text, out var nanoseconds, out var error)
            ? TimeSpan.FromTicks(nanoseconds / NanosecondsPerTick)
            : throw new FormatException(error);
    }

    /// <summary>Parses Go duration text without throwing.</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        if (TryParseNanoseconds(text, out var nanoseconds, out _))
        {
            value = TimeSpan.FromTicks(nanoseconds / NanosecondsPerTick);
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>Converts a bare number of nanoseconds (how Centrifugo reads a numeric duration in a file).</summary>
    public static TimeSpan FromNanoseconds(long nanoseconds) => TimeSpan.FromTicks(nanoseconds / NanosecondsPerTick);

    /// <summary>
    /// Port of Go's <c>time.ParseDuration</c>: a sign, then one or more decimal numbers with optional fraction and a
    /// unit (<c>ns</c>, <c>us</c>/<c>µs</c>, <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>). <c>"0"</c> alone needs no unit.
    /// </summary>
    internal static bool TryParseNanoseconds(string text, out long nanoseconds, [NotNullWhen(false)] out string? error)
    {
        nanoseconds = 0;
        var s = text.AsSpan();
        var negative = false;
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        if (s is "0")
        {
            error = null;
            return true;
        }
        if (s.IsEmpty)
        {
            return Invalid(text, out error);
        }

        ulong total = 0;
        while (!s.IsEmpty)
        {
            if (!(s[0] == '.' || char.IsAsciiDigit(s[0])))
            {
                return Invalid(text, out error);
            }

            var lengthBefore = s.Length;
            if (!TryLeadingInt(ref s, out var whole))
            {
                return Invalid(text, out error);
            }
            var hasWhole = lengthBefore != s.Length;

            ulong fraction = 0;
            var scale = 1d;
            var hasFraction = false;
            if (!s.IsEmpty && s[0] == '.')
            {
                s = s[1..];
                lengthBefore = s.Length;
                LeadingFraction(ref s, out fraction, out scale);
                hasFraction = lengthBefore != s.Length;
            }
            if (!hasWhole && !hasFraction)
            {
                return Invalid(text, out error);
            }

            var unitLength = 0;
            while (unitLength < s.Length && s[unitLength] != '.' && !char.IsAsciiDigit(s[unitLength]))
            {
                unitLength++;
            }
            if (unitLength == 0)
            {
                error = $"missing unit in duration {GoStrconv.Quote(text)}";
                return false;
            }
            var unitText = s[..unitLength];
            s = s[unitLength..];
            var unit = UnitNanoseconds(unitText);
            if (unit == 0)
            {
                error = $"unknown unit {GoStrconv.Quote(unitText.ToString())} in duration {GoStrconv.Quote(text)}";
                return false;
            }

            if (whole > MaxMagnitude / unit)
            {
                return Invalid(text, out error);
            }
            var value = whole * unit;
            if (fraction > 0)
            {
                // Same float arithmetic as Go, so "1.1s" rounds to the same nanosecond.
                value += (ulong)(fraction * (unit / scale));
                if (value > MaxMagnitude)
                {
                    return Invalid(text, out error);
                }
            }
            total += value;
            if (total > MaxMagnitude)
            {
                return Invalid(text, out error);
            }
        }

        if (negative)
        {
            nanoseconds = total == MaxMagnitude ? long.MinValue : -(long)total;
        }
        else if (total > long.MaxValue)
        {
            return Invalid(text, out error);
        }
        else
        {
            nanoseconds = (long)total;
        }
        error = null;
        return true;
    }

    /// <summary>
    /// Port of Go's <c>Duration.String()</c>: <c>"0s"</c>, <c>"1.5ms"</c>, <c>"25s"</c>, <c>"1h30m0s"</c>,
    /// <c>"168h0m0s"</c>. Under a second the largest fitting unit of ns/µs/ms is used; from a second up, h/m/s.
    /// </summary>
    public static string Format(TimeSpan value)
    {
        var nanoseconds = (Int128)value.Ticks * NanosecondsPerTick;
        if (nanoseconds == 0)
        {
            return "0s";
        }
        var negative = nanoseconds < 0;
        var u = (UInt128)(negative ? -nanoseconds : nanoseconds);
        var builder = new StringBuilder(24);
        if (negative)
        {
            builder.Append('-');
        }

        if (u < Second)
        {
            var (precision, unit) = u < Microsecond ? (0, "ns") : u < Millisecond ? (3, "µs") : (6, "ms");
            AppendDecimal(builder, u, precision);
            builder.Append(unit);
            return builder.ToString();
        }

        var totalSeconds = u / Second;
        var hours = totalSeconds / 3600;
        var minutes = totalSeconds / 60 % 60;
        if (hours > 0)
        {
            builder.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }
        if (totalSeconds >= 60)
        {
            builder.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }
        AppendDecimal(builder, u % (60 * (UInt128)Second), 9);
        builder.Append('s');
        return builder.ToString();
    }

    /// <summary>Appends <paramref name="value"/> / 10^<paramref name="precision"/> without trailing fraction zeros.</summary>
    private static void AppendDecimal(StringBuilder builder, UInt128 value, int precision)
    {
        var divisor = UInt128.One;
        for (var i = 0; i < precision; i++)
        {
            divisor *= 10;
        }
        builder.Append((value / divisor).ToString(CultureInfo.InvariantCulture));
        var fraction = value % divisor;
        if (fraction != 0)
        {
            var digits = fraction.ToString(CultureInfo.InvariantCulture).PadLeft(precision, '0').TrimEnd('0');
            builder.Append('.').Append(digits);
        }
    }

    private static ulong UnitNanoseconds(ReadOnlySpan<char> unit) => unit switch
    {
        "ns" => 1,
        "us" or "\u00B5s" or "\u03BCs" => Microsecond,
        "ms" => Millisecond,
        "s" => Second,
        "m" => 60 * Second,
        "h" => 3600 * Second,
        _ => 0,
    };

    /// <summary>Consumes leading digits; false on overflow past 2^63 (Go's <c>leadingInt</c>).</summary>
    private static bool TryLeadingInt(ref ReadOnlySpan<char> s, out ulong value)
    {
        value = 0;
        var i = 0;
        for (; i < s.Length && char.IsAsciiDigit(s[i]); i++)
        {
            if (value > MaxMagnitude / 10)
            {
                return false;
            }
            value = value * 10 + (ulong)(s[i] - '0');
            if (value > MaxMagnitude)
            {
                return false;
            }
        }
        s = s[i..];
        return true;
    }

    /// <summary>Consumes fraction digits, ignoring precision beyond what fits (Go's <c>leadingFraction</c>).</summary>
    private static void LeadingFraction(ref ReadOnlySpan<char> s, out ulong fraction, out double scale)
    {
        fraction = 0;
        scale = 1;
        var overflow = false;
        var i = 0;
        for (; i < s.Length && char.IsAsciiDigit(s[i]); i++)
        {
            if (overflow)
            {
                continue;
            }
            if (fraction > long.MaxValue / 10)
            {
                overflow = true;
                continue;
            }
            var next = fraction * 10 + (ulong)(s[i] - '0');
            if (next > MaxMagnitude)
            {
                overflow = true;
                continue;
            }
            fraction = next;
            scale *= 10;
        }
        s = s[i..];
    }

    private static bool Invalid(string text, out string error)
    {
        error = $"invalid duration {GoStrconv.Quote(text)}";
        return false;
    }
}
