using System.Security.Cryptography;
using System.Text.Json;
using Gyre.Server.Configuration;

namespace Gyre.Server.Tests.Configuration;

public class TokenConfigTests
{
    private static readonly Lazy<string> RsaPem = new(() =>
    {
        using var rsa = RSA.Create(2048);
        return rsa.ExportSubjectPublicKeyInfoPem();
    });

    [Fact]
    public void EveryTokenKeyIsMappedOntoTheVerifierOptions()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var token = new Dictionary<string, object>
        {
            ["hmac_secret_key"] = "s",
            ["hmac_previous_secret_key"] = "old",
            ["hmac_previous_secret_key_valid_until"] = 1_900_000_000,
            ["rsa_public_key"] = RsaPem.Value,
            ["ecdsa_public_key"] = ec.ExportSubjectPublicKeyInfoPem(),
            ["audience"] = "api",
            ["issuer_regex"] = "^https://auth$",
            ["user_id_claim"] = "user_id",
        };
        var loaded = LoadJson(new { client = new { token } });
        var options = loaded.Node.Token;
        Assert.Equal(("s", "old", 1_900_000_000L), (options.HmacSecretKey, options.HmacPreviousSecretKey, options.HmacPreviousSecretKeyValidUntil));
        Assert.Equal(RsaPem.Value, options.RsaPublicKey);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", options.EcdsaPublicKey, StringComparison.Ordinal);
        Assert.Equal(("api", "^https://auth$", "user_id"), (options.Audience, options.IssuerRegex, options.UserIdClaim));
        Assert.Null(loaded.Node.SubscriptionToken);
    }

    [Fact]
    public void SubscriptionTokenSectionIsUsedOnlyWhenEnabled()
    {
        Assert.Null(LoadJson(new { client = new { subscription_token = new { hmac_secret_key = "sub" } } }).Node.SubscriptionToken);
        var enabled = LoadJson(new { client = new { subscription_token = new { enabled = true, hmac_secret_key = "sub", audience = "subs" } } });
        Assert.Equal(("sub", "subs"), (enabled.Node.SubscriptionToken!.HmacSecretKey, enabled.Node.SubscriptionToken.Audience));
    }

    [Fact]
    public void ClientAuthenticationAndLimitKeysAreMapped()
    {
        var loaded = LoadJson(new
        {
            client = new
            {
                disallow_anonymous_connection_tokens = true,
                insecure_skip_token_signature_verify = true,
                expired_sub_close_delay = "10s",
                user_connection_limit = 3,
                connection_limit = 1000,
                connection_rate_limit = 50,
                subscribe_to_user_personal_channel = new { enabled = true, personal_channel_namespace = "personal", single_connection = true },
            },
            channel = new { namespaces = new object[] { new { name = "personal", presence = true, channel_regex = "^#[0-9]+$" } } },
        });
        var client = loaded.Node.Client;
        Assert.True(client.DisallowAnonymousConnectionTokens);
        Assert.True(client.InsecureSkipTokenSignatureVerify);
        Assert.Equal(TimeSpan.FromSeconds(10), client.ExpiredSubCloseDelay);
        Assert.Equal((3, 1000, 50), (client.UserConnectionLimit, client.ConnectionLimit, client.ConnectionRateLimit));
        Assert.Equal(("personal", true, true), (client.SubscribeToUserPersonalChannel.PersonalChannelNamespace, client.SubscribeToUserPersonalChannel.Enabled, client.SubscribeToUserPersonalChannel.SingleConnection));
        Assert.Equal("^#[0-9]+$", Assert.Single(loaded.Node.Channels.Namespaces).Options.ChannelRegex);
    }

    [Theory]
    [InlineData("""{"client":{"token":{"rsa_public_key":"not a pem"}}}""", "client.token.rsa_public_key", "error parsing RSA public key")]
    [InlineData("""{"client":{"token":{"ecdsa_public_key":"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"}}}""", "client.token.ecdsa_public_key", "error parsing ECDSA public key")]
    [InlineData("""{"client":{"token":{"audience":"a","audience_regex":"a"}}}""", "client.token.audience_regex", "only one of them")]
    [InlineData("""{"client":{"token":{"issuer":"a","issuer_regex":"a"}}}""", "client.token.issuer_regex", "only one of them")]
    [InlineData("""{"client":{"token":{"issuer_regex":"("}}}""", "client.token.issuer_regex", "invalid regex")]
    [InlineData("""{"client":{"token":{"jwks_public_endpoint":"ftp://keys/jwks"}}}""", "client.token.jwks_public_endpoint", "scheme")]
    [InlineData("""{"client":{"token":{"jwks_public_endpoint":"https://keys/{{realm}}","issuer_regex":"^(?P<realm>[a-z]+)$"}}}""", "client.token.jwks_public_endpoint", "character class")]
    [InlineData("""{"client":{"token":{"jwks_public_endpoint":"https://keys/{{realm}}","issuer_regex":"^(?P<realm>.+)$"}}}""", "client.token.jwks_public_endpoint", "explicit list")]
    [InlineData("""{"client":{"subscription_token":{"enabled":true,"rsa_public_key":"nope"}}}""", "client.subscription_token.rsa_public_key", "error parsing RSA public key")]
    [InlineData("""{"client":{"subscribe_to_user_personal_channel":{"enabled":true,"personal_channel_namespace":"nope"}}}""", "client.subscribe_to_user_personal_channel.personal_channel_namespace", "not found")]
    [InlineData("""{"client":{"subscribe_to_user_personal_channel":{"enabled":true,"single_connection":true}}}""", "client.subscribe_to_user_personal_channel.single_connection", "presence must be enabled")]
    [InlineData("""{"channel":{"namespaces":[{"name":"rx","channel_regex":"(?<=a)b"}]}}""", "channel.namespaces[0].channel_regex", "invalid channel regex")]
    public void UnusableTokenOrChannelSettingsNameTheirKey(string content, string keyPath, string problem)
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", content);
        var error = Load.Error(path);
        Assert.Equal(keyPath, error.KeyPath);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsafeJwksTemplateIsAcceptedWithTheInsecureEscapeHatch()
    {
        var loaded = LoadJson(new
        {
            client = new
            {
                token = new { jwks_public_endpoint = "https://keys/{{realm}}", issuer_regex = "^(?P<realm>.+)$", insecure_skip_jwks_endpoint_safety_check = true },
            },
        });
        Assert.True(loaded.Node.Token.InsecureSkipJwksEndpointSafetyCheck);
    }

    [Fact]
    public void DisabledSubscriptionTokenSectionIsNotValidated() =>
        Assert.Null(LoadJson(new { client = new { subscription_token = new { rsa_public_key = "nope" } } }).Node.SubscriptionToken);

    private static LoadedConfig LoadJson(object config)
    {
        using var dir = new TempDirectory();
        return Load.File(dir.Write("config.json", JsonSerializer.Serialize(config)));
    }
}
