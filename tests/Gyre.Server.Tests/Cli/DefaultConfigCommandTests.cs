using System.Text.Json.Nodes;
using Gyre.Server.Configuration;
using Gyre.Server.Tests.Configuration;

namespace Gyre.Server.Tests.Cli;

public class DefaultConfigCommandTests
{
    [Fact]
    public async Task DryRunPrintsEveryDefaultToStdout()
    {
        using var dir = new TempDirectory();

        var (exitCode, output) = await new CliRunner().RunAsync("defaultconfig", "-c", dir.File("config.json"), "--dry-run");

        Assert.Equal(0, exitCode);
        Assert.Equal(ConfigWriter.ToTree(new GyreConfig()).ToJsonString(), JsonNode.Parse(output)!.ToJsonString());
        Assert.False(File.Exists(dir.File("config.json")));
    }

    [Theory]
    [InlineData("full.json")]
    [InlineData("full.yaml")]
    [InlineData("full.toml")]
    public async Task DefaultConfigWritesAFileThatLoadsToTheDefaults(string name)
    {
        using var dir = new TempDirectory();
        var path = dir.File(name);

        var (exitCode, output) = await new CliRunner().RunAsync("defaultconfig", "-c", path);

        Assert.Equal((0, ""), (exitCode, output));
        var loaded = Load.File(path);
        Assert.Equal(ConfigWriter.ToTree(new GyreConfig()).ToJsonString(), ConfigWriter.ToTree(loaded.Config).ToJsonString());
        Assert.Empty(loaded.Warnings);
    }

    [Fact]
    public async Task DefaultConfigRefusesAnExistingFile()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", "{}");

        var (exitCode, output) = await new CliRunner().RunAsync("defaultconfig", "-c", path);

        Assert.Equal(1, exitCode);
        Assert.Equal($"error: target file already exists{Environment.NewLine}", output);
        Assert.Equal("{}", File.ReadAllText(path));
    }

    [Fact]
    public async Task DefaultConfigKeepsValuesOfTheBaseFile()
    {
        using var dir = new TempDirectory();
        var basePath = dir.Write("base.json", """{"http_server":{"port":9000},"channel":{"namespaces":[{"name":"chat","presence":true}]}}""");

        var (exitCode, output) = await new CliRunner().RunAsync("defaultconfig", "-c", dir.File("out.yaml"), "-b", basePath, "-d");

        Assert.Equal(0, exitCode);
        var loaded = Load.File(dir.Write("printed.yaml", output));
        Assert.Equal(9000, loaded.Port);
        Assert.True(Assert.Single(loaded.Node.Channels.Namespaces).Options.Presence);
        Assert.Equal("/connection/websocket", loaded.Endpoints.WebSocketPath);
    }
}
