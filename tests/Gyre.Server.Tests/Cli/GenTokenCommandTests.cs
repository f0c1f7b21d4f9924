using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Gyre.Server.Tests.Configuration;

namespace Gyre.Server.Tests.Cli;

public class GenTokenCommandTests
{
    private const string Secret = "secret";

    private const string ConfigWithSecret = """{"client":{"token":{"hmac_secret_key":"secret"}}}""";

    private static readonly long Now = CliRunner.Now.ToUnixTimeSeconds();

    [Fact]
    public async Task GenTokenPrintsCentrifugoHeaderLineAndAVerifiableToken()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", ConfigWithSecret);

        var (exitCode, output) = await new CliRunner().RunAsync("gentoken", "-c", path, "-u", "42");

        Assert.Equal(0, exitCode);
        var lines = output.Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Equal("HMAC SHA-256 JWT for user \"42\" with expiration TTL 168h0m0s:", lines[0]);
        Assert.Equal("", lines[2]);
        var claims = Verify(lines[1], Secret);
        Assert.Equal("""{"sub":"42","exp":""" + (Now + 604800) + ""","iat":""" + Now + "}", claims.ToJsonString());
    }

    [Fact]
    public async Task QuietPrintsOnlyTheToken()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", ConfigWithSecret);

        var (exitCode, output) = await new CliRunner().RunAsync("gentoken", "-c", path, "--user", "7", "--ttl", "60", "-q");

        Assert.Equal(0, exitCode);
        var claims = Verify(output, Secret);
        Assert.Equal("7", claims["sub"]!.GetValue<string>());
        Assert.Equal(Now + 60, claims["exp"]!.GetValue<long>());
    }

    [Fact]
    public async Task NegativeTtlMeansNoExpirationAndEmptyUserIsAnonymous()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", ConfigWithSecret);

        var (exitCode, output) = await new CliRunner().RunAsync("gentoken", "-c", path, "-t", "-1");

        Assert.Equal(0, exitCode);
        var lines = output.Split('\n');
        Assert.Equal("HMAC SHA-256 JWT for anonymous user without expiration:", lines[0]);
        Assert.Equal("""{"iat":""" + Now + "}", Verify(lines[1], Secret).ToJsonString());
    }

    [Fact]
    public async Task UserIdClaimCarriesTheUserToo()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", """{"client":{"token":{"hmac_secret_key":"secret","user_id_claim":"user_id"}}}""");

        var (_, output) = await new CliRunner().RunAsync("gentoken", "-c", path, "-u", "42", "-q");

        Assert.Equal("42", Verify(output, Secret)["user_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task SecretFromTheEnvironmentSignsTheToken()
    {
        using var dir = new TempDirectory();
        var cli = new CliRunner();
        cli.Environment["CENTRIFUGO_CLIENT_TOKEN_HMAC_SECRET_KEY"] = "k";

        var (exitCode, token) = await cli.RunAsync("gentoken", "-q", "-c", dir.Write("empty.json", "{}"));

        Assert.Equal(0, exitCode);
        Verify(token, "k");
    }

    [Fact]
    public async Task ExplicitConfigFileThatDoesNotExistIsAnError()
    {
        using var dir = new TempDirectory();

        var (exitCode, output) = await new CliRunner().RunAsync("gentoken", "-c", dir.File("missing.json"));

        Assert.Equal(1, exitCode);
        Assert.Equal($"error: config file not found: {dir.File("missing.json")}{Environment.NewLine}", output);
    }

    [Fact]
    public async Task GenTokenWithoutSecretIsAnError()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", "{}");

        var (exitCode, output) = await new CliRunner().RunAsync("gentoken", "-c", path, "-u", "42");

        Assert.Equal(1, exitCode);
        Assert.StartsWith("error: ", output, StringComparison.Ordinal);
        Assert.Contains("client.token.hmac_secret_key", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GeneratedConfigSecretSignsTheToken()
    {
        using var dir = new TempDirectory();
        var path = dir.File("config.toml");
        var cli = new CliRunner();

        await cli.RunAsync("genconfig", "-c", path);
        var (exitCode, token) = await cli.RunAsync("gentoken", "-c", path, "-u", "alice", "-q");

        Assert.Equal(0, exitCode);
        Assert.Equal("alice", Verify(token, Load.File(path).Node.Token.HmacSecretKey)["sub"]!.GetValue<string>());
    }

    /// <summary>Recomputes the HS256 signature over the raw UTF-8 secret and returns the claims.</summary>
    private static JsonObject Verify(string token, string secret)
    {
        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        Assert.Equal("""{"alg":"HS256","typ":"JWT"}""", Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[0])));
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
        Assert.Equal(Base64Url.EncodeToString(expected), parts[2]);
        return JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!.AsObject();
    }
}
