using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Gyre.Server.Cli;

/// <summary>
/// HS256 JSON Web Tokens, signed by hand: Centrifugo keys HMAC with the raw UTF-8 bytes of any secret, while
/// Microsoft.IdentityModel refuses keys shorter than 256 bits for HS256.
/// </summary>
internal static class JwtSigner
{
    /// <summary><c>{"alg":"HS256","typ":"JWT"}</c>, the header Centrifugo's JWT library writes, pre-encoded.</summary>
    private static readonly string Header = Base64Url.EncodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"u8);

    /// <summary>Returns <c>header.payload.signature</c> for <paramref name="claims"/>, serialized in their order.</summary>
    public static string SignHs256(string secret, JsonObject claims)
    {
        var signingInput = Header + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }
}
