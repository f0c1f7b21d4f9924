using Gyre.Server.Tests.Configuration;

namespace Gyre.Server.Tests.Cli;

public class CheckConfigCommandTests
{
    [Fact]
    public async Task CheckConfigPrintsNothingForAValidFile()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.yaml", "client:\n  token:\n    hmac_secret_key: s\n");

        Assert.Equal((0, ""), await new CliRunner().RunAsync("checkconfig", "-c", path));
    }

    [Fact]
    public async Task CheckConfigPrintsTheErrorWithKeyAndFileAndExitsOne()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", """{"channel":{"namespaces":[{"name":"chat","history_size":10}]}}""");

        var (exitCode, output) = await new CliRunner().RunAsync("checkconfig", "-c", path);

        Assert.Equal(1, exitCode);
        Assert.Equal(
            $"error: channel.namespaces[0].history_size: both history_size and history_ttl are required for history (from config file {path}){Environment.NewLine}",
            output);
    }

    [Fact]
    public async Task CheckConfigFailsWhenTheFileDoesNotExist()
    {
        using var dir = new TempDirectory();

        var (exitCode, output) = await new CliRunner().RunAsync("checkconfig", "-c", dir.File("missing.json"));

        Assert.Equal(1, exitCode);
        Assert.Equal($"error: config file not found: {dir.File("missing.json")}{Environment.NewLine}", output);
    }

    [Fact]
    public async Task CheckConfigAppliesTheEnvironment()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", "{}");
        var cli = new CliRunner();
        cli.Environment["GYRE_HTTP_API_ERROR_MODE"] = "grpc";

        var (exitCode, output) = await cli.RunAsync("checkconfig", "-c", path);

        Assert.Equal(1, exitCode);
        Assert.Contains("http_api.error_mode", output, StringComparison.Ordinal);
        Assert.Contains("environment variable GYRE_HTTP_API_ERROR_MODE", output, StringComparison.Ordinal);
    }
}
