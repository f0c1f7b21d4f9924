using System.Buffers.Text;
using System.Text.Json;

namespace Gyre.Core.Auth;

/// <summary>
/// A compact JWT split into its parts, nothing verified yet. Parsing follows cristalhq/jwt (what Centrifugo uses):
/// the token starts with <c>eyJ</c> (base64url of <c>{"</c>), has exactly three base64url parts, and its header is a
/// JSON object whose <c>alg</c>, <c>kid</c>, <c>typ</c> and <c>cty</c> are strings when present. <c>typ</c> is not checked.
/// </summary>
internal sealed class Jwt
{
    private Jwt(string token, int signedLength, string algorithm, string keyId, byte[] payload, byte[] signature)
    {
        Token = token;
        SignedLength = signedLength;
        Algorithm = algorithm;
        KeyId = keyId;
        Payload = payload;
        Signature = signature;
    }

    /// <summary>The compact token.</summary>
    public string Token { get; }

    /// <summary>Length of <c>header.payload</c>, the signing input at the start of <see cref="Token"/>.</summary>
    public int SignedLength { get; }

    /// <summary>The header's <c>alg</c>; empty when absent.</summary>
    public string Algorithm { get; }

    /// <summary>The header's <c>kid</c>; empty when absent.</summary>
    public string KeyId { get; }

    /// <summary>The decoded claims JSON.</summary>
    public byte[] Payload { get; }

    /// <summary>The decoded signature.</summary>
    public byte[] Signature { get; }

    /// <summary>Splits and decodes <paramref name="token"/>; on failure <paramref name="problem"/> says why.</summary>
    public static Jwt? TryParse(string token, out string problem)
    {
        if (!token.StartsWith("eyJ", StringComparison.Ordinal))
        {
            problem = "not a JWT";
            return null;
        }

        var firstDot = token.IndexOf('.', StringComparison.Ordinal);
        var lastDot = token.LastIndexOf('.');
        if (firstDot < 0 || lastDot == firstDot)
        {
            problem = "not three parts";
            return null;
        }

        var header = Decode(token.AsSpan(0, firstDot));
        var payload = Decode(token.AsSpan(firstDot + 1, lastDot - firstDot - 1));
        var signature = Decode(token.AsSpan(lastDot + 1));
        if (header is null || payload is null || signature is null)
        {
            problem = "malformed base64url";
            return null;
        }

        if (!TryReadHeader(header, out var algorithm, out var keyId))
        {
            problem = "malformed header";
            return null;
        }

        problem = "";
        return new Jwt(token, lastDot, algorithm, keyId, payload, signature);
    }

    /// <summary>Copies the signing input (<c>header.payload</c>, ASCII) into <paramref name="destination"/>.</summary>
    public int WriteSigningInput(Span<byte> destination) =>
        System.Text.Encoding.ASCII.GetBytes(Token.AsSpan(0, SignedLength), destination);

    private static bool TryReadHeader(byte[] header, out string algorithm, out string keyId)
    {
        algorithm = "";
        keyId = "";
        try
        {
            var reader = new Utf8JsonReader(header);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = JwtClaimsReader.HeaderField(ref reader);
                reader.Read();
                if (field == 0 || reader.TokenType == JsonTokenType.Null)
                {
                    reader.Skip();
                    continue;
                }

                if (reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                switch (field)
                {
                    case 1:
                        algorithm = reader.GetString()!;
                        break;
                    case 2:
                        keyId = reader.GetString()!;
                        break;
                }
            }

            return reader.TokenType == JsonTokenType.EndObject && !reader.Read();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    private static byte[]? Decode(ReadOnlySpan<char> text)
    {
        // Centrifugo decodes with RawURLEncoding: padding is not part of a JWT.
        if (text.Contains('='))
        {
            return null;
        }

        var buffer = new byte[Base64Url.GetMaxDecodedLength(text.Length)];
        return Base64Url.DecodeFromChars(text, buffer, out _, out var written) == System.Buffers.OperationStatus.Done
            ? written == buffer.Length ? buffer : buffer[..written]
            : null;
    }
}
