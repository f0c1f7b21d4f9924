using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Gyre.Core.Auth;

/// <summary>
/// Verifies connection and subscription JWTs with Centrifugo v6's rules (internal/jwtverify): HS256/384/512 by hand,
/// RS256/384/512 and ES256/384/512 from PEM keys, or RSA/EC/Ed25519 keys from a JWKS endpoint; <c>aud</c>/<c>iss</c>
/// checks, <c>exp</c>/<c>nbf</c>, HMAC key rotation, a custom user ID claim.
/// </summary>
/// <remarks>
/// The order of checks is Centrifugo's and decides the outcome a client sees: parse and decode the claims (invalid),
/// match <c>issuer_regex</c>/<c>audience_regex</c> (invalid; their groups may fill the JWKS URL), verify the
/// signature (invalid), compare <c>audience</c>/<c>issuer</c> (invalid), refuse a <c>channel</c> claim in a connection
/// token (invalid), then <c>exp</c>/<c>nbf</c> (expired). Only the algorithms of configured keys are accepted, so
/// <c>none</c> never passes and an HS256 token signed with the RSA public key as secret (key confusion) is refused
/// unless an HMAC secret is configured, and then only that secret verifies it. Without JWKS everything runs
/// synchronously; HMAC verification allocates only the decoded token parts.
/// </remarks>
public sealed class TokenVerifier : IDisposable
{
    /// <summary>A JWT larger than this is refused before decoding: Centrifugo's whole command limit is 64 KiB.</summary>
    private const int MaxTokenLength = 65_536;

    /// <summary>Regexes run on unverified claims: the non-backtracking engine keeps them linear-time, like Go's RE2.</summary>
    private const RegexOptions RegexFlags = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;

    private static readonly Dictionary<string, string> NoValues = [];

    private readonly TokenOptions _options;
    private readonly TimeProvider _time;
    private readonly byte[]? _hmacKey;
    private readonly byte[]? _previousHmacKey;
    private readonly RSA? _rsa;
    private readonly ECDsa? _ecdsa;
    private readonly Regex? _issuerRegex;
    private readonly Regex? _audienceRegex;
    private readonly JwksEndpoint? _jwksEndpoint;
    private readonly JwksKeySource? _jwks;
    private readonly Func<JwtClaims, TokenVerification<ConnectionToken>> _buildConnectionToken;
    private readonly Func<JwtClaims, TokenVerification<SubscriptionToken>> _buildSubscriptionToken;

    /// <summary>Creates a verifier for <paramref name="options"/>.</summary>
    /// <exception cref="FormatException">A key, regex or JWKS endpoint cannot be used; the message says which and why.</exception>
    public TokenVerifier(TokenOptions options, TimeProvider time, HttpMessageHandler? jwksHandler = null)
    {
        if (Validate(options) is { } problem)
        {
            throw new FormatException(problem);
        }

        _options = options;
        _time = time;
        _buildConnectionToken = BuildConnectionToken;
        _buildSubscriptionToken = BuildSubscriptionToken;
        _issuerRegex = options.IssuerRegex.Length > 0 ? new Regex(GoRegex(options.IssuerRegex), RegexFlags) : null;
        _audienceRegex = options.AudienceRegex.Length > 0 ? new Regex(GoRegex(options.AudienceRegex), RegexFlags) : null;
        if (options.JwksPublicEndpoint.Length > 0)
        {
            // A JWKS endpoint replaces every static key, as in Centrifugo.
            _jwksEndpoint = new JwksEndpoint(options.JwksPublicEndpoint);
            _jwks = new JwksKeySource(time, jwksHandler);
            return;
        }

        _hmacKey = options.HmacSecretKey.Length > 0 ? Encoding.UTF8.GetBytes(options.HmacSecretKey) : null;
        _previousHmacKey = options.HmacPreviousSecretKey.Length > 0 ? Encoding.UTF8.GetBytes(options.HmacPreviousSecretKey) : null;
        _rsa = options.RsaPublicKey.Length > 0 ? TokenKeys.ParseRsaPublicKey(options.RsaPublicKey) : null;
        _ecdsa = options.EcdsaPublicKey.Length > 0 ? TokenKeys.ParseEcdsaPublicKey(options.EcdsaPublicKey) : null;
    }

    /// <summary>
    /// Centrifugo's startup checks of a token configuration: <c>audience</c> and <c>audience_regex</c> (and the issuer
    /// pair) are mutually exclusive, regexes compile, keys parse, the JWKS URL is http(s) and its placeholders are
    /// filled only from explicit lists of literals (unless the insecure escape hatch is on). Null when usable.
    /// </summary>
    public static string? Validate(TokenOptions options)
    {
        if (options.Audience.Length > 0 && options.AudienceRegex.Length > 0)
        {
            return "can not use both audience and audience_regex, configure only one of them";
        }

        if (options.Issuer.Length > 0 && options.IssuerRegex.Length > 0)
        {
            return "can not use both issuer and issuer_regex, configure only one of them";
        }

        foreach (var (name, pattern) in new[] { ("issuer_regex", options.IssuerRegex), ("audience_regex", options.AudienceRegex) })
        {
            try
            {
                _ = pattern.Length > 0 ? new Regex(GoRegex(pattern), RegexFlags) : null;
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException)
            {
                return $"error compiling {name}: {e.Message}";
            }
        }

        try
        {
            if (options.JwksPublicEndpoint.Length > 0)
            {
                _ = new JwksEndpoint(options.JwksPublicEndpoint);
                if (!options.InsecureSkipJwksEndpointSafetyCheck
                    && JwksEndpoint.CheckSafety(options.JwksPublicEndpoint, options.IssuerRegex, options.AudienceRegex) is { } unsafeTemplate)
                {
                    return unsafeTemplate;
                }

                return null;
            }

            if (options.RsaPublicKey.Length > 0)
            {
                TokenKeys.ParseRsaPublicKey(options.RsaPublicKey).Dispose();
            }

            if (options.EcdsaPublicKey.Length > 0)
            {
                TokenKeys.ParseEcdsaPublicKey(options.EcdsaPublicKey).Dispose();
            }
        }
        catch (FormatException e)
        {
            return e.Message;
        }

        return null;
    }

    /// <summary>Verifies a connection token.</summary>
    /// <param name="token">The compact JWT.</param>
    /// <param name="skipSignature"><c>client.insecure_skip_token_signature_verify</c>: trust the claims without checking the signature.</param>
    /// <param name="cancellationToken">Cancels a JWKS fetch.</param>
    public ValueTask<TokenVerification<ConnectionToken>> VerifyConnectionTokenAsync(string token, bool skipSignature = false, CancellationToken cancellationToken = default) =>
        VerifyAsync(token, skipSignature, subscription: false, _buildConnectionToken, cancellationToken);

    /// <summary>Verifies a subscription token (its <c>channel</c> claim is required).</summary>
    /// <param name="token">The compact JWT.</param>
    /// <param name="skipSignature"><c>client.insecure_skip_token_signature_verify</c>.</param>
    /// <param name="cancellationToken">Cancels a JWKS fetch.</param>
    public ValueTask<TokenVerification<SubscriptionToken>> VerifySubscriptionTokenAsync(string token, bool skipSignature = false, CancellationToken cancellationToken = default) =>
        VerifyAsync(token, skipSignature, subscription: true, _buildSubscriptionToken, cancellationToken);

    /// <inheritdoc/>
    public void Dispose()
    {
        _rsa?.Dispose();
        _ecdsa?.Dispose();
        _jwks?.Dispose();
    }

    /// <summary>Go writes named groups <c>(?P&lt;name&gt;…)</c>; .NET knows only <c>(?&lt;name&gt;…)</c>.</summary>
    private static string GoRegex(string pattern) => pattern.Replace("(?P<", "(?<", StringComparison.Ordinal);

    private ValueTask<TokenVerification<T>> VerifyAsync<T>(
        string token, bool skipSignature, bool subscription, Func<JwtClaims, TokenVerification<T>> build, CancellationToken cancellationToken)
        where T : class
    {
        if (token.Length > MaxTokenLength)
        {
            return new(TokenVerification<T>.Invalid("token too large"));
        }

        if (Jwt.TryParse(token, out var problem) is not { } jwt)
        {
            return new(TokenVerification<T>.Invalid(problem));
        }

        if (JwtClaimsReader.Read(jwt.Payload, subscription, _options.UserIdClaim, out problem) is not { } claims)
        {
            return new(TokenVerification<T>.Invalid(problem));
        }

        if (!MatchRegexes(claims, out var templateValues, out problem))
        {
            return new(TokenVerification<T>.Invalid(problem));
        }

        if (skipSignature)
        {
            return new(Finish(claims, build));
        }

        if (_jwks is null)
        {
            return new(VerifyStatic(jwt, out problem) ? Finish(claims, build) : TokenVerification<T>.Invalid(problem));
        }

        return VerifyWithJwksAsync(jwt, claims, templateValues, build, cancellationToken);
    }

    private async ValueTask<TokenVerification<T>> VerifyWithJwksAsync<T>(
        Jwt jwt, JwtClaims claims, Dictionary<string, string>? templateValues, Func<JwtClaims, TokenVerification<T>> build, CancellationToken cancellationToken)
        where T : class
    {
        if (jwt.KeyId.Length == 0)
        {
            return TokenVerification<T>.Invalid("kid is not provided");
        }

        if (_jwksEndpoint!.Resolve(templateValues ?? NoValues) is not { } url)
        {
            return TokenVerification<T>.Invalid("JWKS URL path contains traversal sequences");
        }

        var (key, problem) = await _jwks!.GetKeyAsync(url, jwt.KeyId, cancellationToken).ConfigureAwait(false);
        if (key is null)
        {
            return TokenVerification<T>.Invalid(problem);
        }

        return VerifyWithKey(jwt, key, out problem) ? Finish(claims, build) : TokenVerification<T>.Invalid(problem);
    }

    /// <summary>Issuer and audience regexes; their named groups become JWKS template values.</summary>
    private bool MatchRegexes(JwtClaims claims, out Dictionary<string, string>? values, out string problem)
    {
        problem = "";
        values = _issuerRegex is null && _audienceRegex is null ? null : new Dictionary<string, string>(StringComparer.Ordinal);
        if (_issuerRegex is not null)
        {
            var match = _issuerRegex.Match(claims.Issuer);
            if (!match.Success)
            {
                problem = "issuer not matched";
                return false;
            }

            Collect(_issuerRegex, match, values!);
        }

        if (_audienceRegex is not null)
        {
            foreach (var audience in claims.Audience)
            {
                var match = _audienceRegex.Match(audience);
                if (match.Success)
                {
                    Collect(_audienceRegex, match, values!);
                    return true;
                }
            }

            problem = "audience not matched";
            return false;
        }

        return true;

        static void Collect(Regex regex, Match match, Dictionary<string, string> values)
        {
            foreach (var name in regex.GetGroupNames())
            {
                if (!int.TryParse(name, out _))
                {
                    values[name] = match.Groups[name].Value;
                }
            }
        }
    }

    /// <summary>Static keys: the token's algorithm picks the key; an algorithm without a configured key is refused.</summary>
    private bool VerifyStatic(Jwt jwt, out string problem)
    {
        var algorithm = jwt.Algorithm;
        var rented = ArrayPool<byte>.Shared.Rent(jwt.SignedLength);
        try
        {
            var signed = rented.AsSpan(0, jwt.WriteSigningInput(rented));
            bool verified;
            switch (algorithm)
            {
                case "HS256" or "HS384" or "HS512":
                    if (_hmacKey is null && _previousHmacKey is null)
                    {
                        problem = "disabled JWT algorithm: " + algorithm;
                        return false;
                    }

                    verified = (_hmacKey is not null && TokenKeys.VerifyHmac(algorithm, _hmacKey, signed, jwt.Signature))
                        || (PreviousHmacKeyUsable() && TokenKeys.VerifyHmac(algorithm, _previousHmacKey!, signed, jwt.Signature));
                    break;
                case "RS256" or "RS384" or "RS512":
                    if (_rsa is null)
                    {
                        problem = "disabled JWT algorithm: " + algorithm;
                        return false;
                    }

                    verified = TokenKeys.VerifyRsa(algorithm, _rsa, signed, jwt.Signature);
                    break;
                case "ES256" or "ES384" or "ES512":
                    if (_ecdsa is null)
                    {
                        problem = "disabled JWT algorithm: " + algorithm;
                        return false;
                    }

                    verified = TokenKeys.VerifyEcdsa(algorithm, _ecdsa, signed, jwt.Signature);
                    break;
                default:
                    problem = "unsupported JWT algorithm: " + algorithm;
                    return false;
            }

            problem = verified ? "" : "signature verification failed";
            return verified;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The rotated-out HMAC key counts until <c>hmac_previous_secret_key_valid_until</c> (0 = no limit).</summary>
    private bool PreviousHmacKeyUsable() =>
        _previousHmacKey is not null
        && (_options.HmacPreviousSecretKeyValidUntil <= 0 || _time.GetUtcNow().ToUnixTimeSeconds() <= _options.HmacPreviousSecretKeyValidUntil);

    /// <summary>
    /// A JWKS key: its <c>alg</c>, or when absent the token's algorithm if it belongs to the key's family (RSA keys
    /// verify only RS*, EC keys only ES*, OKP keys only EdDSA), and the token's algorithm must equal it.
    /// </summary>
    private static bool VerifyWithKey(Jwt jwt, JsonWebKey key, out string problem)
    {
        var algorithm = key.Algorithm.Length > 0 ? key.Algorithm : jwt.Algorithm;
        var family = key.KeyType switch
        {
            "RSA" => "RS",
            "EC" => "ES",
            _ => "Ed",
        };
        if (!algorithm.StartsWith(family, StringComparison.Ordinal) || jwt.Algorithm != algorithm)
        {
            problem = $"token algorithm {jwt.Algorithm} does not match the {key.KeyType} key";
            return false;
        }

        var rented = ArrayPool<byte>.Shared.Rent(jwt.SignedLength);
        try
        {
            var signed = rented.AsSpan(0, jwt.WriteSigningInput(rented));
            var verified = key.KeyType switch
            {
                "RSA" => TokenKeys.VerifyRsa(algorithm, key.Rsa!, signed, jwt.Signature),
                "EC" => TokenKeys.VerifyEcdsa(algorithm, key.Ecdsa!, signed, jwt.Signature),
                _ => algorithm == "EdDSA" && Ed25519.Verify(key.Ed25519, signed, jwt.Signature),
            };
            problem = verified ? "" : "signature verification failed";
            return verified;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The checks after the signature: <c>audience</c>/<c>issuer</c>, then expiry, then the kind's own claims.</summary>
    private TokenVerification<T> Finish<T>(JwtClaims claims, Func<JwtClaims, TokenVerification<T>> build)
        where T : class
    {
        if (_options.Audience.Length > 0 && !claims.Audience.Contains(_options.Audience, StringComparer.Ordinal))
        {
            return TokenVerification<T>.Invalid("invalid audience");
        }

        if (_options.Issuer.Length > 0 && claims.Issuer != _options.Issuer)
        {
            return TokenVerification<T>.Invalid("invalid issuer");
        }

        return build(claims);
    }

    private TokenVerification<ConnectionToken> BuildConnectionToken(JwtClaims claims)
    {
        if (claims.Channel.Length > 0)
        {
            return TokenVerification<ConnectionToken>.Invalid("connection JWT can not contain channel claim, only subscription JWT can");
        }

        if (IsExpired(claims))
        {
            return TokenVerification<ConnectionToken>.Expired;
        }

        if (!TryDecode(claims.B64Info, claims.Info, out var info))
        {
            return TokenVerification<ConnectionToken>.Invalid("b64info is not base64");
        }

        var subscriptions = new List<TokenSubscription>(Math.Max(claims.Subs.Count, claims.Channels.Count));
        if (claims.Subs.Count > 0)
        {
            foreach (var sub in claims.Subs)
            {
                if (!TryDecode(sub.B64Info, sub.Info, out var subInfo) || !TryDecode(sub.B64Data, sub.Data, out var subData))
                {
                    return TokenVerification<ConnectionToken>.Invalid($"subs {sub.Channel}: b64info or b64data is not base64");
                }

                subscriptions.Add(new TokenSubscription { Channel = sub.Channel, Info = subInfo, Data = subData, Override = sub.Override });
            }
        }
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var channel in claims.Channels)
            {
                if (seen.Add(channel))
                {
                    subscriptions.Add(new TokenSubscription { Channel = channel });
                }
            }
        }

        return new(TokenStatus.Valid, new ConnectionToken
        {
            UserId = UserId(claims),
            ExpireAt = ExpireAt(claims),
            Info = info,
            Meta = claims.Meta,
            Subscriptions = subscriptions,
        });
    }

    private TokenVerification<SubscriptionToken> BuildSubscriptionToken(JwtClaims claims)
    {
        if (IsExpired(claims))
        {
            return TokenVerification<SubscriptionToken>.Expired;
        }

        if (claims.Channel.Length == 0)
        {
            return TokenVerification<SubscriptionToken>.Invalid("channel claim is required for subscription JWT");
        }

        if (!TryDecode(claims.B64Info, claims.Info, out var info) || !TryDecode(claims.B64Data, claims.Data, out var data))
        {
            return TokenVerification<SubscriptionToken>.Invalid("b64info or b64data is not base64");
        }

        return new(TokenStatus.Valid, new SubscriptionToken
        {
            UserId = UserId(claims),
            Channel = claims.Channel,
            Client = claims.Client,
            ExpireAt = ExpireAt(claims),
            Options = new TokenSubscription { Info = info, Data = data, Override = claims.Override },
        });
    }

    /// <summary>
    /// <c>exp</c> must be after now and <c>nbf</c> not after now (both optional). Go compares with nanoseconds, where
    /// <c>nbf</c> equal to now practically never happens; at millisecond resolution it does, so equality is accepted.
    /// </summary>
    private bool IsExpired(JwtClaims claims)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return (claims.ExpiresAt is { } exp && exp <= now) || (claims.NotBefore is { } nbf && nbf > now);
    }

    private string UserId(JwtClaims claims) => _options.UserIdClaim.Length > 0 ? claims.CustomUserId ?? "" : claims.Subject;

    /// <summary><c>expire_at</c> wins over <c>exp</c> when present; its zero (or a negative value) means never.</summary>
    private static long ExpireAt(JwtClaims claims) => claims.ExpireAt is { } expireAt
        ? Math.Max(0, expireAt)
        : claims.ExpiresAt is { } exp ? Math.Max(0, exp / 1000) : 0;

    /// <summary>The base64 field decoded when set (it wins over the JSON one), else the raw JSON.</summary>
    private static bool TryDecode(string base64, ReadOnlyMemory<byte> json, out ReadOnlyMemory<byte> value)
    {
        if (base64.Length == 0)
        {
            value = json;
            return true;
        }

        var buffer = new byte[base64.Length * 3 / 4];
        if (Convert.TryFromBase64String(base64, buffer, out var written))
        {
            value = buffer.AsMemory(0, written);
            return true;
        }

        value = default;
        return false;
    }
}
