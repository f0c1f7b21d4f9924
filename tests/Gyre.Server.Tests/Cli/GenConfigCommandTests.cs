using System.Text.Json.Nodes;
using Gyre.Server.Configuration;
using Gyre.Server.Tests.Configuration;

namespace Gyre.Server.Tests.Cli;

public class GenConfigCommandTests
{
    [Theory]
    [InlineData("config.json")]
    [InlineData("config.yaml")]
    [InlineData("config.yml")]
    [InlineData("config.toml")]
    public async Task GenConfigWritesAMinimalConfigThatCheckConfigAccepts(string name)
    {
        using var dir = new TempDirectory();
        var path = dir.File(name);
        var cli = new CliRunner();

        var generated = await cli.RunAsync("genconfig", "-c", path);
        var checkedConfig = await cli.RunAsync("checkconfig", "--config", path);

        Assert.Equal((0, ""), generated);
        Assert.Equal((0, ""), checkedConfig);
        var config = Load.File(path).Config;
        Assert.Matches("^[A-Za-z0-9_-]{86}$", config.Client.Token.HmacSecretKey);
        Assert.Matches("^[A-Za-z0-9_-]{86}$", config.HttpApi.Key);
        Assert.Empty(config.Client.AllowedOrigins);
        Assert.Matches("^[A-Za-z0-9_-]{22}$", config.Admin!["password"]!.GetValue<string>());
        Assert.Matches("^[A-Za-z0-9_-]{86}$", config.Admin!["secret"]!.GetValue<string>());
        Assert.False(config.Admin!["enabled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task GenConfigCreatesTheFileReadableOnlyByItsOwner()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // No Unix file modes there; the ACL of the user's directory applies.
        }
        using var dir = new TempDirectory();
        var path = dir.File("config.json");

        await new CliRunner().RunAsync("genconfig", "-c", path);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task GenConfigGeneratesDifferentSecretsEachTime()
    {
        using var dir = new TempDirectory();
        var cli = new CliRunner();

        await cli.RunAsync("genconfig", "-c", dir.File("a.json"));
        await cli.RunAsync("genconfig", "-c", dir.File("b.json"));

        Assert.NotEqual(Load.File(dir.File("a.json")).Node.Token.HmacSecretKey, Load.File(dir.File("b.json")).Node.Token.HmacSecretKey);
    }

    [Fact]
    public async Task GenConfigRefusesAnExistingFile()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", "{}");

        var (exitCode, output) = await new CliRunner().RunAsync("genconfig", "-c", path);

        Assert.Equal(1, exitCode);
        Assert.Equal($"error: output config file already exists: {path}{Environment.NewLine}", output);
        Assert.Equal("{}", File.ReadAllText(path));
    }

    [Fact]
    public async Task GenConfigRefusesAnUnknownExtension()
    {
        using var dir = new TempDirectory();

        var (exitCode, output) = await new CliRunner().RunAsync("genconfig", "-c", dir.File("config.ini"));

        Assert.Equal(1, exitCode);
        Assert.Contains("json, toml, yaml, yml", output, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("config.ini")));
    }

    [Fact]
    public async Task GenConfigRemovesTheFileWhenTheEnvironmentMakesItInvalid()
    {
        using var dir = new TempDirectory();
        var cli = new CliRunner();
        cli.Environment["CENTRIFUGO_CLIENT_PING_INTERVAL"] = "never";

        var (exitCode, output) = await cli.RunAsync("genconfig", "-c", dir.File("config.json"));

        Assert.Equal(1, exitCode);
        Assert.Contains("CENTRIFUGO_CLIENT_PING_INTERVAL", output, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("config.json")));
    }

    [Fact]
    public async Task GenConfigJsonHasCentrifugoLayout()
    {
        using var dir = new TempDirectory();
        var path = dir.File("config.json");

        await new CliRunner().RunAsync("genconfig", "-c", path);

        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.Equal(["client", "admin", "http_api"], root.Select(p => p.Key));
        Assert.Equal(["token", "allowed_origins"], root["client"]!.AsObject().Select(p => p.Key));
        Assert.Equal(ConfigFileFormat.Json, ConfigFileFormats.FromPath(path));
    }
}
