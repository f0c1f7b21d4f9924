using System.Security.Cryptography;
using System.Text;
using Gyre.Core.Auth;
using Microsoft.Extensions.Time.Testing;

namespace Gyre.Core.Tests.Auth;

public sealed class TokenVerifierTests
{
    private const string Secret = "secret";

    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000).AddMilliseconds(500));

    private long Now => _time.GetUtcNow().ToUnixTimeSeconds();

    [Theory]
    [InlineData("HS256")]
    [InlineData("HS384")]
    [InlineData("HS512")]
    public async Task EveryHmacAlgorithmVerifiesWithAShortSecret(string algorithm)
    {
        var result = await Connection(new TokenOptions { HmacSecretKey = "k" }, Jws.Hmac("k", new { sub = "42" }, algorithm));
        Assert.Equal(TokenStatus.Valid, result.Status);
        Assert.Equal("42", result.Token!.UserId);
    }

    [Fact]
    public async Task TokenSignedWithAnotherSecretIsInvalid()
    {
        var result = await Connection(Hmac(), Jws.Hmac("other", new { sub = "42" }));
        Assert.Equal(TokenStatus.Invalid, result.Status);
    }

    [Fact]
    public async Task AlgorithmNoneIsInvalidEvenWithoutSignature()
    {
        var unsigned = Jws.Encode(new { alg = "none", typ = "JWT" }) + "." + Jws.Encode(new { sub = "42" }) + ".";
        var result = await Connection(Hmac(), unsigned);
        Assert.Equal(TokenStatus.Invalid, result.Status);
        Assert.Contains("unsupported", result.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("None")]
    [InlineData("NONE")]
    [InlineData("PS256")]
    [InlineData("EdDSA")]
    [InlineData("")]
    public async Task UnsupportedAlgorithmsAreInvalid(string algorithm)
    {
        var token = Jws.Sign(new { alg = algorithm }, new { sub = "42" }, data => HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), data));
        Assert.Equal(TokenStatus.Invalid, (await Connection(Hmac(), token)).Status);
    }

    [Fact]
    public async Task TamperedPayloadIsInvalid()
    {
        var token = Jws.Hmac(Secret, new { sub = "42" });
        var parts = token.Split('.');
        var forged = parts[0] + "." + Jws.Encode(new { sub = "admin" }) + "." + parts[2];
        Assert.Equal(TokenStatus.Invalid, (await Connection(Hmac(), forged)).Status);
    }

    [Fact]
    public async Task TamperedSignatureIsInvalid()
    {
        var token = Jws.Hmac(Secret, new { sub = "42" });
        var last = token[^1] == 'A' ? 'B' : 'A';
        Assert.Equal(TokenStatus.Invalid, (await Connection(Hmac(), token[..^1] + last)).Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("eyJ")]
    [InlineData("eyJ.eyJ")]
    [InlineData("eyJ!!!.eyJzdWIiOiI0MiJ9.sig")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.%%%.sig")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.a.b")]
    public async Task MalformedTokensAreInvalid(string token) =>
        Assert.Equal(TokenStatus.Invalid, (await Connection(Hmac(), token)).Status);

    [Fact]
    public async Task PaddedBase64IsInvalidAsInCentrifugo()
    {
        var token = Jws.Hmac(Secret, new { sub = "4" });
        var parts = token.Split('.');
        var padded = parts[0] + "." + parts[1] + new string('=', (4 - (parts[1].Length % 4)) % 4 + 4) + "." + parts[2];
        Assert.Equal(TokenStatus.Invalid, (await Connection(Hmac(), padded)).Status);
    }

    [Theory]
    [InlineData("""[1,2]""")]
    [InlineData("{\"sub\":\"42\"")]
    [InlineData("""{"sub":42}""")]
    [InlineData("""{"sub":"42","exp":"soon"}""")]
    [InlineData("""{"sub":"42","exp":true}""")]
    [InlineData("""{"sub":"42","aud":5}""")]
    [InlineData("""{"sub":"42","aud":["a",5]}""")]
    [InlineData("""{"sub":"42","channels":"news"}""")]
    [InlineData("""{"sub":"42","channels":[1]}""")]
    [InlineData("""{"sub":"42","expire_at":1.5}""")]
    [InlineData("""{"sub":"42","expire_at":"1"}""")]
    [InlineData("""{"sub":"42","b64info":"!!!"}""")]
    [InlineData("""{"sub":"42","subs":{"news":{"override":{"presence":true}}}}""")]
    [InlineData("""{"sub":"42"} trailing""")]
    public async Task ClaimsOfTheWrongShapeAreInvalid(string claims) =>
        Assert.Equal(TokenStatus.Invalid, (await Connection(Hmac(), Jws.Hmac(Secret, claims))).Status);

    [Fact]
    public async Task ClaimsThatAreNullCountAsAbsent()
    {
        var result = await Connection(Hmac(), Jws.Hmac(Secret, """{"sub":"42","exp":null,"info":null,"channels":null,"aud":null}"""));
        Assert.Equal(TokenStatus.Valid, result.Status);
        Assert.Equal(0, result.Token!.ExpireAt);
        Assert.True(result.Token.Info.IsEmpty);
    }

    [Fact]
    public async Task TokenLargerThan64KiBIsInvalidBeforeDecoding()
    {
        var token = Jws.Hmac(Secret, new { sub = "42", info = new string('x', 1 << 20) });
        var result = await Connection(Hmac(), token);
        Assert.Equal(TokenStatus.Invalid, result.Status);
        Assert.Equal("token too large", result.Problem);
    }

    [Fact]
    public async Task ExpiredTokenIsExpiredNotInvalid()
    {
        Assert.Equal(TokenStatus.Expired, (await Connection(Hmac(), Jws.Hmac(Secret, new { sub = "42", exp = Now }))).Status);
        Assert.Equal(TokenStatus.Valid, (await Connection(Hmac(), Jws.Hmac(Secret, new { sub = "42", exp = Now + 1 }))).Status);
    }

    [Fact]
    public async Task TokenNotYetValidIsExpired()
    {
        Assert.Equal(TokenStatus.Expired, (await Connection(Hmac(), Jws.Hmac(Secret, new { sub = "42", nbf = Now + 60 }))).Status);
        Assert.Equal(TokenStatus.Valid, (await Connection(Hmac(), Jws.Hmac(Secret, new { sub = "42", nbf = Now }))).Status);
    }

    [Fact]
    public async Task NumericDatesMayBeQuotedOrFractional()
    {
        var result = await Connection(Hmac(), Jws.Hmac(Secret, $$"""{"sub":"42","exp":"{{Now + 100}}","iat":{{Now}}.25}"""));
        Assert.Equal(TokenStatus.Valid, result.Status);
        Assert.Equal(Now + 100, result.Token!.ExpireAt);
    }

    [Fact]
    public async Task ExpiredTokenBeatsABrokenB64InfoAsInCentrifugo()
    {
        var result = await Connection(Hmac(), Jws.Hmac(Secret, new { sub = "42", exp = Now - 10, b64info = "***" }));
        Assert.Equal(TokenStatus.Expired, result.Status);
    }

    [Fact]
    public async Task ExpireAtOverridesExpAndZeroMeansNever()
    {
        var later = await Connection(Hmac(), Jws.Hmac(Secret, new { sub = "42", exp = Now + 60, expire_at = Now + 3600 }));
        Assert.Equal(Now + 3600, later.Token!.ExpireAt);

        var never = await Connection(Hmac(), Jws.Hmac(Secret, new { sub = "42", exp = Now + 60, expire_at = 0 }));
        Assert.Equal(0, never.Token!.ExpireAt);

        var fromExp = await Connection(Hmac(), Jws.Hmac(Secret, new { sub = "42", exp = Now + 60 }));
        Assert.Equal(Now + 60, fromExp.Token!.ExpireAt);
    }

    [Fact]
    public async Task ExpireAtDoesNotRescueAnExpiredExp()
    {
        var result = await Connection(Hmac(), Jws.Hmac(Secret, new { sub = "42", exp = Now - 1, expire_at = Now + 3600 }));
        Assert.Equal(TokenStatus.Expired, result.Status);
    }

    [Fact]
    public async Task ClaimNamesMatchCaseInsensitivelyLikeGo()
    {
        var result = await Connection(Hmac(), Jws.Hmac(Secret, """{"SUB":"42","Info":{"a":1}}"""));
        Assert.Equal("42", result.Token!.UserId);
        Assert.Equal("""{"a":1}""", Encoding.UTF8.GetString(result.Token.Info.Span));

        var channel = await Connection(Hmac(), Jws.Hmac(Secret, """{"sub":"42","Channel":"news"}"""));
        Assert.Equal(TokenStatus.Invalid, channel.Status);
    }

    [Fact]
    public async Task B64InfoWinsOverInfo()
    {
        var result = await Connection(Hmac(), Jws.Hmac(Secret, new { sub = "42", info = new { a = 1 }, b64info = Convert.ToBase64String([1, 2, 3]) }));
        Assert.Equal(new byte[] { 1, 2, 3 }, result.Token!.Info.ToArray());
    }

    [Fact]
    public async Task MetaIsKeptAsRawJson()
    {
        var result = await Connection(Hmac(), Jws.Hmac(Secret, """{"sub":"42","meta":{"plan":"pro","n":[1,2]}}"""));
        Assert.Equal("""{"plan":"pro","n":[1,2]}""", Encoding.UTF8.GetString(result.Token!.Meta.Span));
    }

    [Fact]
    public async Task SubsClaimCarriesInfoDataAndOverridesAndIgnoresChannels()
    {
        var claims = """
            {"sub":"42","channels":["ignored"],"subs":{
              "news":{"info":{"role":"reader"},"data":{"welcome":true},"override":{"presence":{"value":true},"join_leave":{},"force_recovery":{"value":true}}},
              "chat:1":{"b64info":"AQI=","b64data":"AwQ="},
              "empty":null}}
            """;
        var result = await Connection(Hmac(), Jws.Hmac(Secret, claims));
        var subs = result.Token!.Subscriptions.ToDictionary(s => s.Channel);
        Assert.Equal(["news", "chat:1", "empty"], subs.Keys);
        Assert.Equal("""{"role":"reader"}""", Encoding.UTF8.GetString(subs["news"].Info.Span));
        Assert.Equal("""{"welcome":true}""", Encoding.UTF8.GetString(subs["news"].Data.Span));
        Assert.Equal(new SubscribeOverride(true, false, null, null, true), subs["news"].Override);
        Assert.Equal(new byte[] { 1, 2 }, subs["chat:1"].Info.ToArray());
        Assert.Equal(new byte[] { 3, 4 }, subs["chat:1"].Data.ToArray());
        Assert.True(subs["empty"].Override.IsEmpty);
    }

    [Fact]
    public async Task ChannelsClaimListsEachChannelOnce()
    {
        var result = await Connection(Hmac(), Jws.Hmac(Secret, new { sub = "42", channels = new[] { "a", "b", "a" } }));
        Assert.Equal(["a", "b"], result.Token!.Subscriptions.Select(s => s.Channel));
    }

    [Fact]
    public async Task OverrideReplacesOnlyTheGivenNamespaceOptions()
    {
        var options = new Channels.ChannelOptions { Presence = false, JoinLeave = true, HistorySize = 5 };
        var applied = new SubscribeOverride(true, null, null, null, null).ApplyTo(options);
        Assert.True(applied.Presence);
        Assert.True(applied.JoinLeave);
        Assert.Equal(5, applied.HistorySize);
        Assert.Same(options, default(SubscribeOverride).ApplyTo(options));
    }

    [Fact]
    public async Task ConnectionTokenWithChannelClaimIsInvalid()
    {
        var result = await Connection(Hmac(), Jws.Hmac(Secret, new { sub = "42", channel = "news" }));
        Assert.Equal(TokenStatus.Invalid, result.Status);
    }

    [Theory]
    [InlineData("api", true)]
    [InlineData("other", false)]
    public async Task AudienceMustBeContainedInAStringOrArray(string audience, bool valid)
    {
        var options = Hmac() with { Audience = "api" };
        Assert.Equal(valid, (await Connection(options, Jws.Hmac(Secret, new { sub = "1", aud = audience }))).Status == TokenStatus.Valid);
        Assert.Equal(valid, (await Connection(options, Jws.Hmac(Secret, new { sub = "1", aud = new[] { "x", audience } }))).Status == TokenStatus.Valid);
        Assert.Equal(TokenStatus.Invalid, (await Connection(options, Jws.Hmac(Secret, new { sub = "1" }))).Status);
    }

    [Fact]
    public async Task IssuerMustBeEqual()
    {
        var options = Hmac() with { Issuer = "https://auth.example.com" };
        Assert.Equal(TokenStatus.Valid, (await Connection(options, Jws.Hmac(Secret, new { sub = "1", iss = "https://auth.example.com" }))).Status);
        Assert.Equal(TokenStatus.Invalid, (await Connection(options, Jws.Hmac(Secret, new { sub = "1", iss = "https://auth.example.com.evil" }))).Status);
        Assert.Equal(TokenStatus.Invalid, (await Connection(options, Jws.Hmac(Secret, new { sub = "1" }))).Status);
    }

    [Fact]
    public async Task IssuerAndAudienceRegexesMatchWithGoNamedGroups()
    {
        var options = Hmac() with { IssuerRegex = @"^https://(?P<tenant>[a-z]+)\.example\.com$", AudienceRegex = "^api-" };
        Assert.Equal(TokenStatus.Valid, (await Connection(options, Jws.Hmac(Secret, new { sub = "1", iss = "https://acme.example.com", aud = new[] { "web", "api-1" } }))).Status);
        Assert.Equal(TokenStatus.Invalid, (await Connection(options, Jws.Hmac(Secret, new { sub = "1", iss = "https://acme.example.org", aud = "api-1" }))).Status);
        Assert.Equal(TokenStatus.Invalid, (await Connection(options, Jws.Hmac(Secret, new { sub = "1", iss = "https://acme.example.com", aud = "web" }))).Status);
    }

    [Fact]
    public void AudienceAndAudienceRegexTogetherAreAConfigurationError()
    {
        Assert.NotNull(TokenVerifier.Validate(Hmac() with { Audience = "a", AudienceRegex = "a" }));
        Assert.NotNull(TokenVerifier.Validate(Hmac() with { Issuer = "a", IssuerRegex = "a" }));
        Assert.NotNull(TokenVerifier.Validate(Hmac() with { IssuerRegex = "(" }));
        Assert.Throws<FormatException>(() => new TokenVerifier(Hmac() with { Audience = "a", AudienceRegex = "a" }, _time));
        Assert.Null(TokenVerifier.Validate(Hmac() with { Audience = "a", IssuerRegex = "^b$" }));
    }

    [Fact]
    public async Task UserIdClaimReplacesSubAndTurnsValuesIntoText()
    {
        var options = Hmac() with { UserIdClaim = "user_id" };
        Assert.Equal("7", (await Connection(options, Jws.Hmac(Secret, """{"sub":"ignored","user_id":"7"}"""))).Token!.UserId);
        Assert.Equal("12345678901234567890", (await Connection(options, Jws.Hmac(Secret, """{"user_id":12345678901234567890}"""))).Token!.UserId);
        Assert.Equal("1.5", (await Connection(options, Jws.Hmac(Secret, """{"user_id":1.50}"""))).Token!.UserId);
        Assert.Equal("true", (await Connection(options, Jws.Hmac(Secret, """{"user_id":true}"""))).Token!.UserId);
        Assert.Equal("", (await Connection(options, Jws.Hmac(Secret, """{"sub":"5"}"""))).Token!.UserId);
        Assert.Equal("", (await Connection(options, Jws.Hmac(Secret, """{"user_id":null}"""))).Token!.UserId);
    }

    [Fact]
    public async Task PreviousHmacKeyVerifiesUntilItsDeadline()
    {
        var options = new TokenOptions { HmacSecretKey = "new", HmacPreviousSecretKey = "old", HmacPreviousSecretKeyValidUntil = Now + 60 };
        Assert.Equal(TokenStatus.Valid, (await Connection(options, Jws.Hmac("new", new { sub = "1" }))).Status);
        Assert.Equal(TokenStatus.Valid, (await Connection(options, Jws.Hmac("old", new { sub = "1" }, "HS512"))).Status);
        Assert.Equal(TokenStatus.Invalid, (await Connection(options, Jws.Hmac("older", new { sub = "1" }))).Status);

        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(TokenStatus.Invalid, (await Connection(options, Jws.Hmac("old", new { sub = "1" }))).Status);
        Assert.Equal(TokenStatus.Valid, (await Connection(options, Jws.Hmac("new", new { sub = "1" }))).Status);
    }

    [Fact]
    public async Task PreviousHmacKeyWithoutDeadlineVerifiesForever()
    {
        var options = new TokenOptions { HmacSecretKey = "new", HmacPreviousSecretKey = "old" };
        _time.Advance(TimeSpan.FromDays(3650));
        Assert.Equal(TokenStatus.Valid, (await Connection(options, Jws.Hmac("old", new { sub = "1" }))).Status);
    }

    [Fact]
    public async Task WithoutAnyKeyEveryTokenIsInvalid()
    {
        Assert.Equal(TokenStatus.Invalid, (await Connection(new TokenOptions(), Jws.Hmac("", new { sub = "1" }))).Status);
    }

    [Fact]
    public async Task SkippingSignatureVerificationTrustsTheClaimsButStillChecksExpiry()
    {
        var forged = Jws.Sign(new { alg = "none" }, new { sub = "anyone" }, _ => []);
        var result = await new TokenVerifier(Hmac(), _time).VerifyConnectionTokenAsync(forged, skipSignature: true);
        Assert.Equal("anyone", result.Token!.UserId);

        var expired = Jws.Sign(new { alg = "none" }, new { sub = "anyone", exp = Now - 1 }, _ => []);
        Assert.Equal(TokenStatus.Expired, (await new TokenVerifier(Hmac(), _time).VerifyConnectionTokenAsync(expired, skipSignature: true)).Status);
    }

    [Fact]
    public async Task SubscriptionTokenNeedsAChannelClaim()
    {
        var verifier = new TokenVerifier(Hmac(), _time);
        Assert.Equal(TokenStatus.Invalid, (await verifier.VerifySubscriptionTokenAsync(Jws.Hmac(Secret, new { sub = "42" }))).Status);

        var result = await verifier.VerifySubscriptionTokenAsync(Jws.Hmac(Secret, """{"sub":"42","channel":"$news","client":"c1","info":{"i":1},"b64data":"AQ==","expire_at":1900000000,"override":{"force_positioning":{"value":true}}}"""));
        Assert.Equal(TokenStatus.Valid, result.Status);
        var token = result.Token!;
        Assert.Equal(("42", "$news", "c1", 1_900_000_000L), (token.UserId, token.Channel, token.Client, token.ExpireAt));
        Assert.Equal("""{"i":1}""", Encoding.UTF8.GetString(token.Options.Info.Span));
        Assert.Equal(new byte[] { 1 }, token.Options.Data.ToArray());
        Assert.True(token.Options.Override.ForcePositioning);
    }

    [Fact]
    public async Task SubscriptionTokenExpiryAndAudienceFollowTheSameRules()
    {
        var verifier = new TokenVerifier(Hmac() with { Audience = "subs" }, _time);
        Assert.Equal(TokenStatus.Expired, (await verifier.VerifySubscriptionTokenAsync(Jws.Hmac(Secret, new { sub = "1", channel = "$a", aud = "subs", exp = Now - 5 }))).Status);
        Assert.Equal(TokenStatus.Invalid, (await verifier.VerifySubscriptionTokenAsync(Jws.Hmac(Secret, new { sub = "1", channel = "$a", aud = "conn" }))).Status);
    }

    [Theory]
    [InlineData("RS256")]
    [InlineData("RS384")]
    [InlineData("RS512")]
    public async Task RsaAlgorithmsVerifyWithAPemPublicKey(string algorithm)
    {
        var options = new TokenOptions { RsaPublicKey = TestKeys.Rsa.ExportSubjectPublicKeyInfoPem() };
        var result = await Connection(options, Jws.Rsa(TestKeys.Rsa, new { sub = "42" }, algorithm));
        Assert.Equal(TokenStatus.Valid, result.Status);
        Assert.Equal(TokenStatus.Invalid, (await Connection(options, Jws.Rsa(TestKeys.OtherRsa, new { sub = "42" }, algorithm))).Status);
    }

    [Theory]
    [InlineData("ES256", "nistP256")]
    [InlineData("ES384", "nistP384")]
    [InlineData("ES512", "nistP521")]
    public async Task EcdsaAlgorithmsVerifyWithTheKeyOfTheirCurve(string algorithm, string curve)
    {
        using var ecdsa = ECDsa.Create(ECCurve.CreateFromFriendlyName(curve));
        var options = new TokenOptions { EcdsaPublicKey = ecdsa.ExportSubjectPublicKeyInfoPem() };
        Assert.Equal(TokenStatus.Valid, (await Connection(options, Jws.Ecdsa(ecdsa, new { sub = "42" }, algorithm))).Status);
    }

    [Fact]
    public async Task EcdsaKeyVerifiesOnlyTheAlgorithmOfItsCurve()
    {
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var options = new TokenOptions { EcdsaPublicKey = p256.ExportSubjectPublicKeyInfoPem() };
        Assert.Equal(TokenStatus.Invalid, (await Connection(options, Jws.Ecdsa(p256, new { sub = "42" }, "ES384"))).Status);
    }

    [Fact]
    public async Task CertificatePemProvidesTheKey()
    {
        var rsa = TestKeys.Rsa;
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=issuer", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var options = new TokenOptions { RsaPublicKey = certificate.ExportCertificatePem() };
        Assert.Equal(TokenStatus.Valid, (await Connection(options, Jws.Rsa(rsa, new { sub = "42" }))).Status);
    }

    [Fact]
    public void UnusablePemKeysAreConfigurationErrors()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Contains("PEM", TokenVerifier.Validate(new TokenOptions { RsaPublicKey = "not a key" }), StringComparison.Ordinal);
        Assert.NotNull(TokenVerifier.Validate(new TokenOptions { RsaPublicKey = ec.ExportSubjectPublicKeyInfoPem() }));
        Assert.NotNull(TokenVerifier.Validate(new TokenOptions { EcdsaPublicKey = TestKeys.Rsa.ExportSubjectPublicKeyInfoPem() }));
        Assert.Null(TokenVerifier.Validate(new TokenOptions { EcdsaPublicKey = ec.ExportSubjectPublicKeyInfoPem() }));
    }

    [Fact]
    public async Task KeyConfusionHs256SignedWithTheRsaPublicKeyIsInvalid()
    {
        var pem = TestKeys.Rsa.ExportSubjectPublicKeyInfoPem();
        var forged = Jws.Hmac(pem, new { sub = "admin" });
        Assert.Equal(TokenStatus.Invalid, (await Connection(new TokenOptions { RsaPublicKey = pem }, forged)).Status);

        // With an HMAC secret configured too, HS256 is checked with that secret only, never with the public key.
        Assert.Equal(TokenStatus.Invalid, (await Connection(new TokenOptions { RsaPublicKey = pem, HmacSecretKey = Secret }, forged)).Status);
    }

    [Fact]
    public async Task RsaTokenIsInvalidWhenOnlyHmacIsConfigured()
    {
        var result = await Connection(Hmac(), Jws.Rsa(TestKeys.Rsa, new { sub = "42" }));
        Assert.Equal(TokenStatus.Invalid, result.Status);
        Assert.Contains("disabled", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StaticKeysIgnoreTheKid()
    {
        var result = await Connection(Hmac(), Jws.Hmac(Secret, new { sub = "42" }, kid: "../../etc/passwd"));
        Assert.Equal(TokenStatus.Valid, result.Status);
    }

    [Fact]
    public void Ed25519VerifiesTheRfc8032TestVectors()
    {
        // RFC 8032 §7.1, tests 1 and 2.
        var key1 = Convert.FromHexString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        var sig1 = Convert.FromHexString("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
        Assert.True(Ed25519.Verify(key1, [], sig1));

        var key2 = Convert.FromHexString("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
        var sig2 = Convert.FromHexString("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
        Assert.True(Ed25519.Verify(key2, [0x72], sig2));

        Assert.False(Ed25519.Verify(key2, [0x73], sig2));
        Assert.False(Ed25519.Verify(key1, [0x72], sig2));
        sig2[5] ^= 1;
        Assert.False(Ed25519.Verify(key2, [0x72], sig2));
    }

    private static TokenOptions Hmac() => new() { HmacSecretKey = Secret };

    private async Task<TokenVerification<ConnectionToken>> Connection(TokenOptions options, string token)
    {
        using var verifier = new TokenVerifier(options, _time);
        return await verifier.VerifyConnectionTokenAsync(token);
    }
}
