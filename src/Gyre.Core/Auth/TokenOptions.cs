namespace Gyre.Core.Auth;

/// <summary>Connection token verification (Centrifugo <c>client.token.*</c>).</summary>
public sealed record TokenOptions
{
    /// <summary>No keys: every token is invalid.</summary>
    public static TokenOptions Default { get; } = new();

    /// <summary>
    /// <c>client.token.hmac_secret_key</c>: the raw UTF-8 bytes of this string key HS256/384/512. Any length is
    /// accepted, as in Centrifugo (Microsoft.IdentityModel refuses keys under 128 bits, so HMAC is verified by hand).
    /// </summary>
    public string HmacSecretKey { get; init; } = "";
}
