using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gyre.Core.Auth;

/// <summary>
/// Verifies connection JWTs signed with HS256/384/512 by hand: Microsoft.IdentityModel refuses HMAC keys under
/// 128 bits while Centrifugo accepts any, and a connect storm needs thousands of verifications per second
/// without the allocations of a general-purpose JWT stack.
/// </summary>
public sealed class TokenVerifier
{
    /// <summary>A JWT larger than this is refused before decoding: Centrifugo's whole command limit is 64 KiB.</summary>
    private const int MaxTokenLength = 65_536;

    private readonly byte[] _hmacKey;
    private readonly TimeProvider _time;

    /// <summary>Creates a verifier for <paramref name="options"/>.</summary>
    public TokenVerifier(TokenOptions options, TimeProvider time)
    {
        _hmacKey = Encoding.UTF8.GetBytes(options.HmacSecretKey);
        _time = time;
    }

    /// <summary>Verifies a connection token.</summary>
    /// <param name="token">The compact JWT.</param>
    /// <param name="ignoreExpiry">Insecure mode accepts expired tokens.</param>
    /// <param name="claims">The claims, when the result is <see cref="TokenStatus.Valid"/> or <see cref="TokenStatus.Expired"/>.</param>
    public TokenStatus VerifyConnectionToken(string token, bool ignoreExpiry, out ConnectionToken? claims)
    {
        try
        {
            return Verify(token, ignoreExpiry, out claims);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or JsonException or InvalidOperationException)
        {
            // Whatever a forged token trips over, it is an invalid token (3500), never a server error.
            claims = null;
            return TokenStatus.Invalid;
        }
    }

    private TokenStatus Verify(string token, bool ignoreExpiry, out ConnectionToken? claims)
    {
        claims = null;
        if (_hmacKey.Length == 0 || token.Length > MaxTokenLength)
        {
            return TokenStatus.Invalid;
        }

        var firstDot = token.IndexOf('.', StringComparison.Ordinal);
        var lastDot = token.LastIndexOf('.');
        if (firstDot <= 0 || lastDot == firstDot || token.IndexOf('.', firstDot + 1) != lastDot)
        {
            return TokenStatus.Invalid;
        }

        var header = Base64UrlDecode(token.AsSpan(0, firstDot));
        var payload = Base64UrlDecode(token.AsSpan(firstDot + 1, lastDot - firstDot - 1));
        var signature = Base64UrlDecode(token.AsSpan(lastDot + 1));
        if (header is null || payload is null || signature is null)
        {
            return TokenStatus.Invalid;
        }

        var algorithm = ReadAlgorithm(header);
        if (algorithm is null || !VerifyHmac(algorithm, Encoding.ASCII.GetBytes(token, 0, lastDot), signature))
        {
            return TokenStatus.Invalid;
        }

        if (!TryReadClaims(payload, out claims, out var notBefore))
        {
            return TokenStatus.Invalid;
        }

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        if (!ignoreExpiry && ((claims!.ExpiresAt is { } exp && exp <= now) || (notBefore is { } nbf && nbf > now)))
        {
            return TokenStatus.Expired;
        }

        return TokenStatus.Valid;
    }

    private bool VerifyHmac(string algorithm, byte[] signedPart, byte[] signature)
    {
        Span<byte> mac = stackalloc byte[64];
        int written;
        switch (algorithm)
        {
            case "HS256":
                written = HMACSHA256.HashData(_hmacKey, signedPart, mac);
                break;
            case "HS384":
                written = HMACSHA384.HashData(_hmacKey, signedPart, mac);
                break;
            case "HS512":
                written = HMACSHA512.HashData(_hmacKey, signedPart, mac);
                break;
            default:
                return false;
        }

        return CryptographicOperations.FixedTimeEquals(mac[..written], signature);
    }

    private static string? ReadAlgorithm(byte[] header)
    {
        try
        {
            var reader = new Utf8JsonReader(header);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            string? alg = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isAlg = reader.ValueTextEquals("alg"u8);
                reader.Read();
                if (isAlg && reader.TokenType == JsonTokenType.String)
                {
                    alg = reader.GetString();
                }
                else
                {
                    reader.Skip();
                }
            }

            return alg;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool TryReadClaims(byte[] payload, out ConnectionToken? claims, out long? notBefore)
    {
        claims = null;
        notBefore = null;
        try
        {
            var reader = new Utf8JsonReader(payload);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            string user = "";
            long? exp = null;
            ReadOnlyMemory<byte> info = default;
            ReadOnlyMemory<byte> b64info = default;
            List<string> channels = [];
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "sub" when reader.TokenType == JsonTokenType.String:
                        user = reader.GetString()!;
                        break;
                    case "exp" when reader.TokenType == JsonTokenType.Number:
                        exp = (long)reader.GetDouble();
                        break;
                    case "nbf" when reader.TokenType == JsonTokenType.Number:
                        notBefore = (long)reader.GetDouble();
                        break;
                    case "info":
                        {
                            var start = (int)reader.TokenStartIndex;
                            reader.Skip();
                            info = payload.AsMemory(start, (int)reader.BytesConsumed - start);
                            break;
                        }

                    case "b64info" when reader.TokenType == JsonTokenType.String:
                        b64info = Convert.FromBase64String(reader.GetString()!);
                        break;
                    case "channels" when reader.TokenType == JsonTokenType.StartArray:
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            if (reader.TokenType != JsonTokenType.String)
                            {
                                return false;
                            }

                            channels.Add(reader.GetString()!);
                        }

                        break;

                    // A connection token must not carry a subscription token's claim (Centrifugo refuses it).
                    case "channel":
                        return false;
                    default:
                        reader.Skip();
                        break;
                }
            }

            claims = new ConnectionToken(user, exp, b64info.IsEmpty ? info : b64info, channels);
            return true;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return false;
        }
    }

    private static byte[]? Base64UrlDecode(ReadOnlySpan<char> text)
    {
        var buffer = new byte[Base64Url.GetMaxDecodedLength(text.Length)];
        return Base64Url.TryDecodeFromChars(text, buffer, out var written) ? buffer[..written] : null;
    }
}
