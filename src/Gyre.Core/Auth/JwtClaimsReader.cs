using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Gyre.Core.Auth;

/// <summary>The claims of a token as read from its payload, before any check.</summary>
internal sealed class JwtClaims
{
    public string Subject { get; set; } = "";

    /// <summary>The <c>user_id_claim</c> value turned into text, or null when that claim is absent or not configured.</summary>
    public string? CustomUserId { get; set; }

    /// <summary><c>exp</c> in Unix milliseconds.</summary>
    public long? ExpiresAt { get; set; }

    /// <summary><c>nbf</c> in Unix milliseconds.</summary>
    public long? NotBefore { get; set; }

    public string Issuer { get; set; } = "";

    public List<string> Audience { get; } = [];

    public long? ExpireAt { get; set; }

    public ReadOnlyMemory<byte> Info { get; set; }

    public string B64Info { get; set; } = "";

    public ReadOnlyMemory<byte> Data { get; set; }

    public string B64Data { get; set; } = "";

    public ReadOnlyMemory<byte> Meta { get; set; }

    public string Channel { get; set; } = "";

    public string Client { get; set; } = "";

    public List<string> Channels { get; } = [];

    public List<RawSubscription> Subs { get; } = [];

    public SubscribeOverride Override { get; set; }
}

/// <summary>A <c>subs</c> entry with its base64 fields still encoded (decoded only once the token is known valid).</summary>
internal sealed record RawSubscription(string Channel, ReadOnlyMemory<byte> Info, string B64Info, ReadOnlyMemory<byte> Data, string B64Data, SubscribeOverride Override);

/// <summary>
/// Reads JWT claims with the type rules of Go's <c>encoding/json</c>, which Centrifugo decodes them with: field names
/// match case-insensitively, <c>null</c> means absent, a value of the wrong type makes the whole token invalid, unknown
/// fields are ignored, and the last of duplicated fields wins. One pass over the payload, no reflection.
/// </summary>
internal static class JwtClaimsReader
{
    /// <summary>Longest claim name compared; longer names are unknown (the longest known one, <c>expire_at</c>, has 9).</summary>
    private const int MaxNameLength = 64;

    private enum Field
    {
        Unknown,
        Sub,
        Exp,
        Nbf,
        Iat,
        Jti,
        Iss,
        Aud,
        Info,
        B64Info,
        Data,
        B64Data,
        Channels,
        Subs,
        Meta,
        ExpireAt,
        Channel,
        Client,
        Override,
    }

    /// <summary>
    /// Reads a connection (<paramref name="subscription"/> false) or subscription token's claims. Returns null, with
    /// the reason in <paramref name="problem"/>, when the payload is not a JSON object or a claim has the wrong type.
    /// </summary>
    public static JwtClaims? Read(byte[] payload, bool subscription, string userIdClaim, out string problem)
    {
        problem = "";
        try
        {
            var claims = new JwtClaims();
            var reader = new Utf8JsonReader(payload);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = "claims are not a JSON object";
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = Identify(ref reader, userIdClaim, out var isUserIdClaim);
                reader.Read();
                if (isUserIdClaim && claims.CustomUserId is null)
                {
                    // gjson's String(): text as is, numbers as written, booleans as words, null as empty, objects raw.
                    claims.CustomUserId = Stringify(ref reader, payload);
                }

                if (!ReadField(ref reader, payload, field, subscription, claims, out problem))
                {
                    return null;
                }
            }

            if (reader.Read())
            {
                problem = "data after the claims object";
                return null;
            }

            return claims;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or OverflowException)
        {
            problem = "malformed claims JSON";
            return null;
        }
    }

    /// <summary>Header field: 1 = <c>alg</c>, 2 = <c>kid</c>, 3 = <c>typ</c> or <c>cty</c> (checked as strings), 0 = other.</summary>
    public static int HeaderField(ref Utf8JsonReader reader)
    {
        Span<byte> name = stackalloc byte[MaxNameLength];
        var length = LowerName(ref reader, name);
        return name[..Math.Max(length, 0)] switch
        {
            [(byte)'a', (byte)'l', (byte)'g'] => 1,
            [(byte)'k', (byte)'i', (byte)'d'] => 2,
            [(byte)'t', (byte)'y', (byte)'p'] or [(byte)'c', (byte)'t', (byte)'y'] => 3,
            _ => 0,
        };
    }

    private static bool ReadField(ref Utf8JsonReader reader, byte[] payload, Field field, bool subscription, JwtClaims claims, out string problem)
    {
        problem = "";
        if (reader.TokenType == JsonTokenType.Null || field == Field.Unknown)
        {
            reader.Skip();
            return true;
        }

        switch (field)
        {
            case Field.Sub:
                claims.Subject = String(ref reader, "sub", out problem) ?? "";
                return problem.Length == 0;
            case Field.Iss:
                claims.Issuer = String(ref reader, "iss", out problem) ?? "";
                return problem.Length == 0;
            case Field.Jti:
                String(ref reader, "jti", out problem);
                return problem.Length == 0;
            case Field.Exp:
                claims.ExpiresAt = NumericDate(ref reader, "exp", out problem);
                return problem.Length == 0;
            case Field.Nbf:
                claims.NotBefore = NumericDate(ref reader, "nbf", out problem);
                return problem.Length == 0;
            case Field.Iat:
                NumericDate(ref reader, "iat", out problem);
                return problem.Length == 0;
            case Field.Aud:
                return Audience(ref reader, claims.Audience, out problem);
            case Field.ExpireAt:
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var expireAt))
                {
                    problem = "expire_at is not an integer";
                    return false;
                }

                claims.ExpireAt = expireAt;
                return true;
            case Field.Info:
                claims.Info = Raw(ref reader, payload);
                return true;
            case Field.B64Info:
                claims.B64Info = String(ref reader, "b64info", out problem) ?? "";
                return problem.Length == 0;
            case Field.Channel:
                claims.Channel = String(ref reader, "channel", out problem) ?? "";
                return problem.Length == 0;
        }

        if (subscription)
        {
            switch (field)
            {
                case Field.Data:
                    claims.Data = Raw(ref reader, payload);
                    return true;
                case Field.B64Data:
                    claims.B64Data = String(ref reader, "b64data", out problem) ?? "";
                    return problem.Length == 0;
                case Field.Client:
                    claims.Client = String(ref reader, "client", out problem) ?? "";
                    return problem.Length == 0;
                case Field.Override:
                    if (!TryReadOverride(ref reader, out var value, out problem))
                    {
                        return false;
                    }

                    claims.Override = value;
                    return true;
            }
        }
        else
        {
            switch (field)
            {
                case Field.Meta:
                    claims.Meta = Raw(ref reader, payload);
                    return true;
                case Field.Channels:
                    return Channels(ref reader, claims.Channels, out problem);
                case Field.Subs:
                    return Subs(ref reader, payload, claims.Subs, out problem);
            }
        }

        // A claim of the other token kind: unknown to this one, ignored like any unknown field.
        reader.Skip();
        return true;
    }

    private static Field Identify(ref Utf8JsonReader reader, string userIdClaim, out bool isUserIdClaim)
    {
        Span<byte> name = stackalloc byte[MaxNameLength];
        isUserIdClaim = userIdClaim.Length > 0 && reader.ValueTextEquals(userIdClaim);
        var length = LowerName(ref reader, name);
        if (length < 0)
        {
            return Field.Unknown;
        }

        ReadOnlySpan<byte> n = name[..length];
        return n.Length switch
        {
            3 when n.SequenceEqual("sub"u8) => Field.Sub,
            3 when n.SequenceEqual("exp"u8) => Field.Exp,
            3 when n.SequenceEqual("nbf"u8) => Field.Nbf,
            3 when n.SequenceEqual("iat"u8) => Field.Iat,
            3 when n.SequenceEqual("jti"u8) => Field.Jti,
            3 when n.SequenceEqual("iss"u8) => Field.Iss,
            3 when n.SequenceEqual("aud"u8) => Field.Aud,
            4 when n.SequenceEqual("info"u8) => Field.Info,
            4 when n.SequenceEqual("data"u8) => Field.Data,
            4 when n.SequenceEqual("subs"u8) => Field.Subs,
            4 when n.SequenceEqual("meta"u8) => Field.Meta,
            6 when n.SequenceEqual("client"u8) => Field.Client,
            7 when n.SequenceEqual("b64info"u8) => Field.B64Info,
            7 when n.SequenceEqual("b64data"u8) => Field.B64Data,
            7 when n.SequenceEqual("channel"u8) => Field.Channel,
            8 when n.SequenceEqual("channels"u8) => Field.Channels,
            8 when n.SequenceEqual("override"u8) => Field.Override,
            9 when n.SequenceEqual("expire_at"u8) => Field.ExpireAt,
            _ => Field.Unknown,
        };
    }

    /// <summary>Copies the current property name, ASCII-lowercased, into <paramref name="name"/>; -1 when it is too long.</summary>
    private static int LowerName(ref Utf8JsonReader reader, scoped Span<byte> name)
    {
        if (reader.ValueSpan.Length > name.Length)
        {
            return -1;
        }

        var length = reader.CopyString(name);
        for (var i = 0; i < length; i++)
        {
            if (name[i] is >= (byte)'A' and <= (byte)'Z')
            {
                name[i] = (byte)(name[i] | 0x20);
            }
        }

        return length;
    }

    /// <summary>The string value; null with <paramref name="problem"/> set when the value is not a string.</summary>
    private static string? String(ref Utf8JsonReader reader, string claim, out string problem)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            problem = claim + " is not a string";
            reader.Skip();
            return null;
        }

        problem = "";
        return reader.GetString()!;
    }

    /// <summary>A JSON number, or a string holding one (Go's <c>json.Number</c> accepts both), as Unix milliseconds.</summary>
    private static long? NumericDate(ref Utf8JsonReader reader, string claim, out string problem)
    {
        double seconds;
        if (reader.TokenType == JsonTokenType.Number)
        {
            seconds = reader.GetDouble();
        }
        else if (reader.TokenType != JsonTokenType.String
            || !double.TryParse(reader.GetString(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out seconds))
        {
            problem = claim + " is not a number";
            reader.Skip();
            return null;
        }

        // Clamped far beyond any real date so that the millisecond product cannot overflow.
        problem = "";
        return (long)(Math.Clamp(seconds, -1e12, 1e12) * 1000);
    }

    private static bool Audience(ref Utf8JsonReader reader, List<string> audience, out string problem)
    {
        problem = "aud is neither a string nor an array of strings";
        audience.Clear();
        if (reader.TokenType == JsonTokenType.String)
        {
            audience.Add(reader.GetString()!);
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return false;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                return false;
            }

            audience.Add(reader.GetString()!);
        }

        problem = "";
        return true;
    }

    private static bool Channels(ref Utf8JsonReader reader, List<string> channels, out string problem)
    {
        problem = "channels is not an array of strings";
        channels.Clear();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return false;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            if (reader.TokenType != JsonTokenType.String)
            {
                return false;
            }

            channels.Add(reader.GetString()!);
        }

        problem = "";
        return true;
    }

    private static bool Subs(ref Utf8JsonReader reader, byte[] payload, List<RawSubscription> subs, out string problem)
    {
        problem = "subs is not an object of subscription options";
        subs.Clear();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }

        problem = "";

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var channel = reader.GetString()!;
            reader.Read();
            ReadOnlyMemory<byte> info = default, data = default;
            string b64Info = "", b64Data = "";
            SubscribeOverride overrides = default;
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var field = Identify(ref reader, "", out _);
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        continue;
                    }

                    switch (field)
                    {
                        case Field.Info:
                            info = Raw(ref reader, payload);
                            break;
                        case Field.Data:
                            data = Raw(ref reader, payload);
                            break;
                        case Field.B64Info:
                            b64Info = String(ref reader, "subs b64info", out problem) ?? "";
                            break;
                        case Field.B64Data:
                            b64Data = String(ref reader, "subs b64data", out problem) ?? "";
                            break;
                        case Field.Override:
                            TryReadOverride(ref reader, out overrides, out problem);
                            break;
                        default:
                            reader.Skip();
                            break;
                    }

                    if (problem.Length > 0)
                    {
                        return false;
                    }
                }
            }
            else if (reader.TokenType != JsonTokenType.Null)
            {
                problem = "subs is not an object of subscription options";
                return false;
            }

            // Go decodes subs into a map: a repeated channel keeps its last options.
            for (var i = subs.Count - 1; i >= 0; i--)
            {
                if (subs[i].Channel == channel)
                {
                    subs.RemoveAt(i);
                }
            }

            subs.Add(new RawSubscription(channel, info, b64Info, data, b64Data, overrides));
        }

        problem = "";
        return true;
    }

    private static bool TryReadOverride(ref Utf8JsonReader reader, out SubscribeOverride value, out string problem)
    {
        value = default;
        problem = "override is not an object of {\"value\": bool}";
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }

        bool? presence = null, joinLeave = null, pushJoinLeave = null, positioning = null, recovery = null;
        Span<byte> name = stackalloc byte[MaxNameLength];
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var length = LowerName(ref reader, name);
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            ReadOnlySpan<byte> option = name[..Math.Max(length, 0)];
            var known = option.SequenceEqual("presence"u8) || option.SequenceEqual("join_leave"u8) || option.SequenceEqual("force_push_join_leave"u8)
                || option.SequenceEqual("force_positioning"u8) || option.SequenceEqual("force_recovery"u8);
            if (!known)
            {
                reader.Skip();
                continue;
            }

            if (!TryReadBoolValue(ref reader, out var flag))
            {
                return false;
            }

            switch (option.Length)
            {
                case 8:
                    presence = flag;
                    break;
                case 10:
                    joinLeave = flag;
                    break;
                case 21:
                    pushJoinLeave = flag;
                    break;
                case 17:
                    positioning = flag;
                    break;
                default:
                    recovery = flag;
                    break;
            }
        }

        value = new SubscribeOverride(presence, joinLeave, pushJoinLeave, positioning, recovery);
        problem = "";
        return true;
    }

    /// <summary><c>{"value": true}</c>; an object without <c>value</c> means false, as Go's <c>omitempty</c> bool decodes.</summary>
    private static bool TryReadBoolValue(ref Utf8JsonReader reader, out bool flag)
    {
        flag = false;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        Span<byte> name = stackalloc byte[MaxNameLength];
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var length = LowerName(ref reader, name);
            reader.Read();
            if (length == 5 && name[..5].SequenceEqual("value"u8))
            {
                if (reader.TokenType is JsonTokenType.True or JsonTokenType.False)
                {
                    flag = reader.GetBoolean();
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    return false;
                }
            }
            else
            {
                reader.Skip();
            }
        }

        return true;
    }

    private static ReadOnlyMemory<byte> Raw(ref Utf8JsonReader reader, byte[] payload)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return payload.AsMemory(start, (int)reader.BytesConsumed - start);
    }

    private static string Stringify(ref Utf8JsonReader reader, byte[] payload)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString()!;
            case JsonTokenType.True:
                return "true";
            case JsonTokenType.False:
                return "false";
            case JsonTokenType.Number:
                {
                    var raw = reader.ValueSpan;
                    var digits = raw.Length > 0 && raw[0] == '-' ? raw[1..] : raw;
                    return digits.Length > 0 && !digits.ContainsAnyExceptInRange((byte)'0', (byte)'9')
                        ? Encoding.ASCII.GetString(raw)
                        : reader.GetDouble().ToString("0.###############", CultureInfo.InvariantCulture);
                }

            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                {
                    // Raw consumes the value; ReadField then sees its end token and skips nothing more.
                    var copy = reader;
                    return Encoding.UTF8.GetString(Raw(ref copy, payload).Span);
                }

            default:
                return "";
        }
    }
}
