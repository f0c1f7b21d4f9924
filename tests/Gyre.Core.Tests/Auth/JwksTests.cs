using System.Security.Cryptography;
using Gyre.Core.Auth;
using Microsoft.Extensions.Time.Testing;

namespace Gyre.Core.Tests.Auth;

public sealed class JwksTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly JwksServer _server = new();
    private readonly RSA _rsa = TestKeys.Rsa;
    private readonly ECDsa _ecdsa = TestKeys.P256;

    public Task InitializeAsync()
    {
        _server.Serve("/jwks", JwksServer.RsaKey(_rsa, "rsa-1"), JwksServer.EcKey(_ecdsa, "ec-1"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task RsaAndEcTokensVerifyWithTheKeyNamedByKid()
    {
        using var verifier = Verifier("/jwks");
        var rsa = await verifier.VerifyConnectionTokenAsync(Jws.Rsa(_rsa, new { sub = "1" }, kid: "rsa-1"));
        Assert.Equal(TokenStatus.Valid, rsa.Status);
        var ec = await verifier.VerifyConnectionTokenAsync(Jws.Ecdsa(_ecdsa, new { sub = "2" }, kid: "ec-1"));
        Assert.Equal(TokenStatus.Valid, ec.Status);
        Assert.Equal("2", ec.Token!.UserId);
    }

    [Fact]
    public async Task TokenWithoutKidIsInvalid()
    {
        using var verifier = Verifier("/jwks");
        var result = await verifier.VerifyConnectionTokenAsync(Jws.Rsa(_rsa, new { sub = "1" }));
        Assert.Equal(TokenStatus.Invalid, result.Status);
        Assert.Equal(0, _server.Hits("/jwks"));
    }

    [Fact]
    public async Task UnknownKidIsInvalidAndFetchedAgainNextTime()
    {
        using var verifier = Verifier("/jwks");
        Assert.Equal(TokenStatus.Invalid, (await verifier.VerifyConnectionTokenAsync(Jws.Rsa(_rsa, new { sub = "1" }, kid: "nope"))).Status);
        Assert.Equal(TokenStatus.Invalid, (await verifier.VerifyConnectionTokenAsync(Jws.Rsa(_rsa, new { sub = "1" }, kid: "nope"))).Status);
        Assert.Equal(2, _server.Hits("/jwks"));
    }

    [Fact]
    public async Task KeysAreCachedForAnHour()
    {
        using var verifier = Verifier("/jwks");
        var token = Jws.Rsa(_rsa, new { sub = "1" }, kid: "rsa-1");
        await verifier.VerifyConnectionTokenAsync(token);
        await verifier.VerifyConnectionTokenAsync(Jws.Ecdsa(_ecdsa, new { sub = "1" }, kid: "ec-1"));
        await verifier.VerifyConnectionTokenAsync(token);
        Assert.Equal(1, _server.Hits("/jwks"));

        _time.Advance(TimeSpan.FromMinutes(61));
        Assert.Equal(TokenStatus.Valid, (await verifier.VerifyConnectionTokenAsync(token)).Status);
        Assert.Equal(2, _server.Hits("/jwks"));
    }

    [Fact]
    public async Task KeysNotMeantForSignaturesAreIgnored()
    {
        _server.Serve("/enc", JwksServer.RsaKey(_rsa, "rsa-1", use: "enc"));
        using var verifier = Verifier("/enc");
        Assert.Equal(TokenStatus.Invalid, (await verifier.VerifyConnectionTokenAsync(Jws.Rsa(_rsa, new { sub = "1" }, kid: "rsa-1"))).Status);
    }

    [Fact]
    public async Task TokenAlgorithmMustMatchTheKey()
    {
        _server.Serve("/noalg", JwksServer.RsaKey(_rsa, "rsa-1", alg: null), JwksServer.EcKey(_ecdsa, "ec-1"));
        using var verifier = Verifier("/noalg");

        // Without "alg" in the key, any algorithm of the key's family is accepted...
        Assert.Equal(TokenStatus.Valid, (await verifier.VerifyConnectionTokenAsync(Jws.Rsa(_rsa, new { sub = "1" }, "RS512", kid: "rsa-1"))).Status);

        // ...but never one of another family, and a key's own "alg" must be the token's.
        Assert.Equal(TokenStatus.Invalid, (await verifier.VerifyConnectionTokenAsync(Jws.Ecdsa(_ecdsa, new { sub = "1" }, kid: "rsa-1"))).Status);
        using var pinned = Verifier("/jwks");
        Assert.Equal(TokenStatus.Invalid, (await pinned.VerifyConnectionTokenAsync(Jws.Rsa(_rsa, new { sub = "1" }, "RS512", kid: "rsa-1"))).Status);
    }

    [Fact]
    public async Task HmacTokensAreRefusedInJwksMode()
    {
        var modulus = JwksServer.B64(_rsa.ExportParameters(false).Modulus!);
        using var verifier = Verifier("/jwks");
        var forged = Jws.Hmac(modulus, new { sub = "admin" }, kid: "rsa-1");
        Assert.Equal(TokenStatus.Invalid, (await verifier.VerifyConnectionTokenAsync(forged)).Status);
    }

    [Fact]
    public async Task FailingEndpointMakesTokensInvalid()
    {
        using var verifier = Verifier("/missing");
        var result = await verifier.VerifyConnectionTokenAsync(Jws.Rsa(_rsa, new { sub = "1" }, kid: "rsa-1"));
        Assert.Equal(TokenStatus.Invalid, result.Status);
        Assert.Contains("404", result.Problem, StringComparison.Ordinal);
        Assert.Equal(2, _server.Hits("/missing"));
    }

    [Fact]
    public async Task SlowEndpointTimesOutAfterTwoAttemptsOfOneSecond()
    {
        _server.Hanging.Add("/slow");
        using var verifier = Verifier("/slow");
        var result = await verifier.VerifyConnectionTokenAsync(Jws.Rsa(_rsa, new { sub = "1" }, kid: "rsa-1")).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(TokenStatus.Invalid, result.Status);
        Assert.Equal(2, _server.Hits("/slow"));
    }

    [Fact]
    public async Task MalformedKeySetMakesTokensInvalid()
    {
        _server.Serve("/broken", "{not json");
        using var verifier = Verifier("/broken");
        Assert.Equal(TokenStatus.Invalid, (await verifier.VerifyConnectionTokenAsync(Jws.Rsa(_rsa, new { sub = "1" }, kid: "rsa-1"))).Status);
    }

    [Fact]
    public async Task PlaceholdersAreFilledFromTheIssuerAndKeysAreScopedToTheResolvedUrl()
    {
        var staging = TestKeys.OtherRsa;
        _server.Serve("/realms/master/jwks", JwksServer.RsaKey(_rsa, "k"));
        _server.Serve("/realms/staging/jwks", JwksServer.RsaKey(staging, "k"));
        using var verifier = new TokenVerifier(
            new TokenOptions
            {
                JwksPublicEndpoint = _server.Url("/realms/{{realm}}/jwks"),
                IssuerRegex = @"^https://auth\.example\.com/(?P<realm>master|staging)$",
            },
            _time);

        var master = Jws.Rsa(_rsa, new { sub = "1", iss = "https://auth.example.com/master" }, kid: "k");
        Assert.Equal(TokenStatus.Valid, (await verifier.VerifyConnectionTokenAsync(master)).Status);

        // Same kid, other realm: the master key cached under the master URL must not verify it.
        var forgedStaging = Jws.Rsa(_rsa, new { sub = "1", iss = "https://auth.example.com/staging" }, kid: "k");
        Assert.Equal(TokenStatus.Invalid, (await verifier.VerifyConnectionTokenAsync(forgedStaging)).Status);
        Assert.Equal(TokenStatus.Valid, (await verifier.VerifyConnectionTokenAsync(Jws.Rsa(staging, new { sub = "1", iss = "https://auth.example.com/staging" }, kid: "k"))).Status);

        var otherRealm = Jws.Rsa(_rsa, new { sub = "1", iss = "https://auth.example.com/evil" }, kid: "k");
        Assert.Equal(TokenStatus.Invalid, (await verifier.VerifyConnectionTokenAsync(otherRealm)).Status);
        Assert.Equal(1, _server.Hits("/realms/master/jwks"));
        Assert.Equal(1, _server.Hits("/realms/staging/jwks"));
    }

    [Fact]
    public async Task AudienceGroupsFillPlaceholdersToo()
    {
        _server.Serve("/tenants/acme.json", JwksServer.RsaKey(_rsa, "k"));
        using var verifier = new TokenVerifier(
            new TokenOptions { JwksPublicEndpoint = _server.Url("/tenants/{{tenant}}.json"), AudienceRegex = "^app-(?P<tenant>acme|globex)$" },
            _time);
        Assert.Equal(TokenStatus.Valid, (await verifier.VerifyConnectionTokenAsync(Jws.Rsa(_rsa, new { sub = "1", aud = new[] { "x", "app-acme" } }, kid: "k"))).Status);
    }

    [Theory]
    [InlineData(@"^https://auth/(?P<realm>[a-z]+)$")]
    [InlineData(@"^https://auth/(?P<realm>.+)$")]
    [InlineData(@"^https://auth/(?P<realm>\w+)$")]
    [InlineData(@"^https://auth/(?P<realm>master|\d)$")]
    [InlineData(@"^https://auth/(?P<realm>(master|staging)*)$")]
    [InlineData(@"^https://auth/(?P<realm>master|stag.ng)$")]
    [InlineData(@"^https://auth/(?<realm>a?)$")]
    [InlineData(@"^[a-z]+/(?P<realm>master)$")]
    public void PlaceholdersFilledByOpenEndedGroupsFailStartup(string issuerRegex)
    {
        var options = new TokenOptions { JwksPublicEndpoint = "https://keys.example.com/{{realm}}/jwks", IssuerRegex = issuerRegex };
        Assert.NotNull(TokenVerifier.Validate(options));
        Assert.Throws<FormatException>(() => new TokenVerifier(options, _time));
        Assert.Null(TokenVerifier.Validate(options with { InsecureSkipJwksEndpointSafetyCheck = true }));
    }

    [Theory]
    [InlineData(@"^https://auth/(?P<realm>master|staging)$")]
    [InlineData(@"^https://auth/(?P<realm>master|staging|)$")]
    [InlineData(@"^https://auth/(?P<realm>(?:eu|us)\.prod|dev)$")]
    [InlineData(@"^https://auth/(?P<realm>(?i)master)$")]
    [InlineData(@"^.*/(?P<other>.+)/(?P<realm>master)$")]
    public void PlaceholdersFilledByLiteralListsAreAccepted(string issuerRegex)
    {
        var options = new TokenOptions { JwksPublicEndpoint = "https://keys.example.com/{{realm}}/jwks", IssuerRegex = issuerRegex };
        Assert.Null(TokenVerifier.Validate(options));
    }

    [Fact]
    public void UnsafeAudienceGroupFailsStartup()
    {
        var options = new TokenOptions { JwksPublicEndpoint = "https://{{tenant}}.example.com/jwks", AudienceRegex = "^(?P<tenant>.*)$" };
        Assert.Contains("audience_regex", TokenVerifier.Validate(options), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolvedPathWithTraversalIsRefusedBeforeAnyFetch()
    {
        using var verifier = new TokenVerifier(
            new TokenOptions
            {
                JwksPublicEndpoint = _server.Url("/realms/{{realm}}/jwks"),
                IssuerRegex = "^(?P<realm>.+)$",
                InsecureSkipJwksEndpointSafetyCheck = true,
            },
            _time);
        var result = await verifier.VerifyConnectionTokenAsync(Jws.Rsa(_rsa, new { sub = "1", iss = "../../jwks" }, kid: "rsa-1"));
        Assert.Equal(TokenStatus.Invalid, result.Status);
        Assert.Equal(0, _server.Hits("/jwks"));
    }

    [Theory]
    [InlineData("https://h/a/b", true)]
    [InlineData("https://h", true)]
    [InlineData("https://h/", true)]
    [InlineData("https://h/a/b?x=../y", true)]
    [InlineData("https://h/a/../b", false)]
    [InlineData("https://h/a/%2e%2e/b", false)]
    [InlineData("https://h/a//b", false)]
    [InlineData("https://h/a/./b", false)]
    [InlineData("https://h/a/", false)]
    public void ResolvedPathsMustBeClean(string url, bool clean) => Assert.Equal(clean, JwksEndpoint.IsCleanPath(url));

    [Fact]
    public void EndpointMustBeHttpOrHttps() =>
        Assert.Contains("scheme", TokenVerifier.Validate(new TokenOptions { JwksPublicEndpoint = "file:///etc/jwks.json" }), StringComparison.Ordinal);

    [Fact]
    public void UnreadableKeysAreSkippedAndOtherKeysStillCount()
    {
        var json = """
            {"keys":[
              {"kty":"oct","kid":"h","use":"sig","k":"c2VjcmV0"},
              {"kty":"EC","kid":"bad","use":"sig","crv":"P-256","x":"AA","y":"AA"},
              {"kty":"OKP","kid":"ed","use":"sig","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
              {"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"}
            ]}
            """;
        var keys = JwksKeySource.Parse(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.Equal(["ed"], keys.Select(k => k.KeyId));
        Assert.Equal(32, keys[0].Ed25519!.Length);
    }

    private TokenVerifier Verifier(string path) => new(new TokenOptions { JwksPublicEndpoint = _server.Url(path) }, _time);
}
