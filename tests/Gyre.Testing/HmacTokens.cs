using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gyre.Testing;

/// <summary>Signs HS256/384/512 JWTs for tests, independently of the server's verifier.</summary>
public static class HmacTokens
{
    public static string Create(string secret, object claims, string algorithm = "HS256")
    {
        var header = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new { alg = algorithm, typ = "JWT" }));
        var payload = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signed = Encoding.ASCII.GetBytes(header + "." + payload);
        var key = Encoding.UTF8.GetBytes(secret);
        var mac = algorithm switch
        {
            "HS256" => HMACSHA256.HashData(key, signed),
            "HS384" => HMACSHA384.HashData(key, signed),
            "HS512" => HMACSHA512.HashData(key, signed),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
        };
        return header + "." + payload + "." + Base64Url.EncodeToString(mac);
    }

    public static long UnixNow(TimeSpan offset = default) => DateTimeOffset.UtcNow.Add(offset).ToUnixTimeSeconds();
}
