using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gyre.Core.Tests.Auth;

/// <summary>Builds JWTs for tests with any header, claims and signing function, independently of the verifier.</summary>
internal static class Jws
{
    public static string Encode(object value) => Base64Url.EncodeToString(value is string s ? Encoding.UTF8.GetBytes(s) : JsonSerializer.SerializeToUtf8Bytes(value));

    /// <summary>A token over <paramref name="header"/> and <paramref name="claims"/> (objects, or JSON text as is).</summary>
    public static string Sign(object header, object claims, Func<byte[], byte[]> signer)
    {
        var signed = Encode(header) + "." + Encode(claims);
        return signed + "." + Base64Url.EncodeToString(signer(Encoding.ASCII.GetBytes(signed)));
    }

    public static string Hmac(string secret, object claims, string algorithm = "HS256", string? kid = null) =>
        Sign(Header(algorithm, kid), claims, data => algorithm switch
        {
            "HS256" => HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), data),
            "HS384" => HMACSHA384.HashData(Encoding.UTF8.GetBytes(secret), data),
            _ => HMACSHA512.HashData(Encoding.UTF8.GetBytes(secret), data),
        });

    public static string Rsa(RSA key, object claims, string algorithm = "RS256", string? kid = null) =>
        Sign(Header(algorithm, kid), claims, data => key.SignData(data, HashOf(algorithm), RSASignaturePadding.Pkcs1));

    public static string Ecdsa(ECDsa key, object claims, string algorithm = "ES256", string? kid = null) =>
        Sign(Header(algorithm, kid), claims, data => key.SignData(data, HashOf(algorithm), DSASignatureFormat.IeeeP1363FixedFieldConcatenation));

    public static object Header(string algorithm, string? kid = null) =>
        kid is null ? new { alg = algorithm, typ = "JWT" } : new { alg = algorithm, typ = "JWT", kid };

    private static HashAlgorithmName HashOf(string algorithm) => algorithm[2..] switch
    {
        "256" => HashAlgorithmName.SHA256,
        "384" => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA512,
    };
}
