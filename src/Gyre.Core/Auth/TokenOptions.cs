namespace Gyre.Core.Auth;

/// <summary>
/// How JWTs are verified (Centrifugo <c>client.token.*</c>, and the same keys under <c>client.subscription_token.*</c>).
/// Several static key kinds may be configured together; a JWKS endpoint replaces all of them.
/// </summary>
public sealed record TokenOptions
{
    /// <summary>No keys: every token is invalid.</summary>
    public static TokenOptions Default { get; } = new();

    /// <summary>
    /// <c>hmac_secret_key</c>: the raw UTF-8 bytes of this string key HS256/384/512. Any length is accepted, as in
    /// Centrifugo (Microsoft.IdentityModel refuses keys under 128 bits, so HMAC is verified by hand). Empty disables HMAC.
    /// </summary>
    public string HmacSecretKey { get; init; } = "";

    /// <summary>
    /// <c>hmac_previous_secret_key</c> (Centrifugo 6.6.1): the key being rotated out. A token whose signature fails with
    /// <see cref="HmacSecretKey"/> is tried with this one, so a key rotation does not disconnect everybody at once.
    /// </summary>
    public string HmacPreviousSecretKey { get; init; } = "";

    /// <summary>
    /// <c>hmac_previous_secret_key_valid_until</c>: Unix seconds after which <see cref="HmacPreviousSecretKey"/> is no
    /// longer tried. Zero means no limit.
    /// </summary>
    public long HmacPreviousSecretKeyValidUntil { get; init; }

    /// <summary><c>rsa_public_key</c>: a PEM <c>PUBLIC KEY</c> (or certificate) enabling RS256/384/512. Empty disables RSA.</summary>
    public string RsaPublicKey { get; init; } = "";

    /// <summary>
    /// <c>ecdsa_public_key</c>: a PEM <c>PUBLIC KEY</c> (or certificate) on P-256, P-384 or P-521, enabling the ES
    /// algorithm of that curve (ES256, ES384, ES512). Empty disables ECDSA.
    /// </summary>
    public string EcdsaPublicKey { get; init; } = "";

    /// <summary>
    /// <c>jwks_public_endpoint</c>: an http(s) URL of a JSON Web Key Set. When set, it replaces every static key:
    /// tokens need a <c>kid</c> and are verified with that key (RSA, EC or OKP/Ed25519). May contain <c>{{name}}</c>
    /// placeholders filled from named groups of <see cref="IssuerRegex"/> and <see cref="AudienceRegex"/>.
    /// </summary>
    public string JwksPublicEndpoint { get; init; } = "";

    /// <summary><c>audience</c>: when set, the token's <c>aud</c> (string or array) must contain it.</summary>
    public string Audience { get; init; } = "";

    /// <summary><c>audience_regex</c>: when set, one of the token's audiences must match (unanchored, Go syntax).</summary>
    public string AudienceRegex { get; init; } = "";

    /// <summary><c>issuer</c>: when set, the token's <c>iss</c> must equal it.</summary>
    public string Issuer { get; init; } = "";

    /// <summary><c>issuer_regex</c>: when set, the token's <c>iss</c> must match (unanchored, Go syntax).</summary>
    public string IssuerRegex { get; init; } = "";

    /// <summary>
    /// <c>user_id_claim</c>: the top-level claim holding the user ID instead of <c>sub</c> (numbers and booleans are
    /// turned into their text). Empty means <c>sub</c>.
    /// </summary>
    public string UserIdClaim { get; init; } = "";

    /// <summary>
    /// <c>insecure_skip_jwks_endpoint_safety_check</c>: accept JWKS placeholders filled by groups that are not an
    /// explicit list of literals. Insecure: a forged <c>iss</c> could then point key fetches at an attacker's server
    /// (CVE-2026-32301). Exists only as Centrifugo's temporary escape hatch.
    /// </summary>
    public bool InsecureSkipJwksEndpointSafetyCheck { get; init; }

    /// <summary>Whether any key is configured: without one, every token is invalid.</summary>
    public bool HasKeys =>
        HmacSecretKey.Length > 0 || RsaPublicKey.Length > 0 || EcdsaPublicKey.Length > 0 || JwksPublicEndpoint.Length > 0;
}
