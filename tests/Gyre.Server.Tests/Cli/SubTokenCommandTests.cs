using System.Buffers.Text;
using System.Text;
using System.Text.Json.Nodes;
using Gyre.Server.Tests.Configuration;

namespace Gyre.Server.Tests.Cli;

/// <summary><c>gensubtoken</c>, <c>checktoken</c> and <c>checksubtoken</c>, with Centrifugo's flags and output lines.</summary>
public class SubTokenCommandTests
{
    private const string ConfigWithSecret = """{"client":{"token":{"hmac_secret_key":"secret"}}}""";

    private static readonly long Now = CliRunner.Now.ToUnixTimeSeconds();

    [Fact]
    public async Task GenSubTokenPrintsUserChannelAndTtl()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", ConfigWithSecret);

        var (exitCode, output) = await new CliRunner().RunAsync("gensubtoken", "-c", path, "-u", "42", "-s", "$private", "-t", "3600");

        Assert.Equal(0, exitCode);
        var lines = output.Split('\n');
        Assert.Equal("HMAC SHA-256 JWT for user \"42\" and channel \"$private\" with expiration TTL 1h0m0s:", lines[0]);
        Assert.Equal($$"""{"sub":"42","exp":{{Now + 3600}},"iat":{{Now}},"channel":"$private"}""", Claims(lines[1]).ToJsonString());
    }

    [Fact]
    public async Task GenSubTokenWithoutChannelIsAnError()
    {
        using var dir = new TempDirectory();

        var (exitCode, output) = await new CliRunner().RunAsync("gensubtoken", "-c", dir.Write("config.json", ConfigWithSecret), "-u", "42");

        Assert.Equal(1, exitCode);
        Assert.Equal("channel is required" + Environment.NewLine, output);
    }

    [Fact]
    public async Task GenSubTokenUsesTheSubscriptionTokenSecretWhenEnabled()
    {
        using var dir = new TempDirectory();
        var path = dir.Write(
            "config.json",
            """{"client":{"token":{"hmac_secret_key":"connection"},"subscription_token":{"enabled":true,"hmac_secret_key":"subscription"}}}""");
        var cli = new CliRunner();

        var (_, token) = await cli.RunAsync("gensubtoken", "-c", path, "-u", "1", "-s", "news", "-q");
        var (asSubscription, subscriptionOutput) = await cli.RunAsync("checksubtoken", "-c", path, token);
        var (asConnection, _) = await cli.RunAsync("checktoken", "-c", path, token);

        Assert.Equal(0, asSubscription);
        Assert.StartsWith("valid subscription token for user \"1\" and channel \"news\"\npayload: {", subscriptionOutput, StringComparison.Ordinal);
        Assert.Equal(1, asConnection);
    }

    [Fact]
    public async Task CheckTokenAcceptsWhatGenTokenSigned()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", ConfigWithSecret);
        var cli = new CliRunner();

        var (_, token) = await cli.RunAsync("gentoken", "-c", path, "-u", "42", "-q");
        var (exitCode, output) = await cli.RunAsync("checktoken", "-c", path, token);

        Assert.Equal(0, exitCode);
        Assert.Equal($"valid token for user 42\npayload: {Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.Split('.')[1]))}\n", output);
    }

    [Fact]
    public async Task CheckTokenRejectsAnotherSecretNamingAlgorithmAndClaims()
    {
        using var dir = new TempDirectory();
        var cli = new CliRunner();
        var (_, token) = await cli.RunAsync("gentoken", "-c", dir.Write("a.json", """{"client":{"token":{"hmac_secret_key":"other"}}}"""), "-u", "42", "-q");

        var (exitCode, output) = await cli.RunAsync("checktoken", "-c", dir.Write("b.json", ConfigWithSecret), token);

        Assert.Equal(1, exitCode);
        Assert.StartsWith("error: token with algorithm HS256 and claims {\"sub\":\"42\"", output, StringComparison.Ordinal);
        Assert.Contains("has error: ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckTokenReportsAnExpiredToken()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", ConfigWithSecret);
        var cli = new CliRunner();
        var (_, token) = await cli.RunAsync("gentoken", "-c", path, "-u", "42", "-t", "10", "-q");
        cli.Time.Advance(TimeSpan.FromSeconds(11));

        var (exitCode, output) = await cli.RunAsync("checktoken", "-c", path, token);

        Assert.Equal(1, exitCode);
        Assert.EndsWith("has error: token expired" + Environment.NewLine, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("checktoken")]
    [InlineData("checksubtoken")]
    public async Task CheckWithoutTokenOrWithGarbageIsAnError(string command)
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", ConfigWithSecret);
        var cli = new CliRunner();

        var (missing, missingOutput) = await cli.RunAsync(command, "-c", path);
        var (garbage, garbageOutput) = await cli.RunAsync(command, "-c", path, "not-a-jwt");

        Assert.Equal(1, missing);
        Assert.Equal($"error: provide token to check [gyre {command} <TOKEN>]" + Environment.NewLine, missingOutput);
        Assert.Equal(1, garbage);
        Assert.StartsWith("error: malformed token", garbageOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckSubTokenRefusesAConnectionTokenWithoutChannel()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", ConfigWithSecret);
        var cli = new CliRunner();
        var (_, token) = await cli.RunAsync("gentoken", "-c", path, "-u", "42", "-q");

        var (exitCode, output) = await cli.RunAsync("checksubtoken", "-c", path, token);

        Assert.Equal(1, exitCode);
        Assert.StartsWith("error: token with algorithm HS256", output, StringComparison.Ordinal);
    }

    private static JsonObject Claims(string token) =>
        JsonNode.Parse(Base64Url.DecodeFromChars(token.Split('.')[1]))!.AsObject();
}
