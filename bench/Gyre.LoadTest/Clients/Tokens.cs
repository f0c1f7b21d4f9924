using System.Security.Cryptography;
using System.Text;

namespace Gyre.LoadTest.Clients;

/// <summary>HS256 connection tokens for the Centrifugo adapters (claims: <c>sub</c> only, no expiry).</summary>
internal static class Tokens
{
    private static readonly string Header = Base64Url("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"u8);

    public static string Hs256(string secret, string subject)
    {
        var claims = Base64Url(Encoding.UTF8.GetBytes($"{{\"sub\":\"{subject}\"}}"));
        var signingInput = Header + "." + claims;
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url(signature);
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
