using Gyre.Server.Tests.Configuration;

namespace Gyre.Server.Tests.Cli;

public class ServeCommandTests
{
    [Fact]
    public async Task FlagsOverrideEnvironmentAndFileBeforeServing()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", """{"http_server":{"port":8001},"log":{"level":"warn"}}""");
        var cli = new CliRunner();
        cli.Environment["CENTRIFUGO_HTTP_SERVER_PORT"] = "8002";
        cli.Environment["CENTRIFUGO_LOG_LEVEL"] = "error";

        var (exitCode, output) = await cli.RunAsync("-c", path, "-p", "8003", "-a", "127.0.0.1", "--client.insecure", "--http_api.insecure");

        Assert.Equal((0, ""), (exitCode, output));
        var served = Assert.IsType<Server.Configuration.LoadedConfig>(cli.Served);
        Assert.Equal(8003, served.Port);
        Assert.Equal("127.0.0.1", served.Address);
        Assert.Equal("error", served.LogLevel);
        Assert.True(served.Node.Client.Insecure);
        Assert.True(served.Endpoints.HttpApiInsecure);
        Assert.Equal(path, served.ConfigFile);
    }

    [Fact]
    public async Task FlagsNotGivenChangeNothing()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", """{"http_server":{"port":8001},"health":{"enabled":false}}""");
        var cli = new CliRunner();

        await cli.RunAsync("--config", path);

        Assert.Equal(8001, cli.Served!.Port);
        Assert.False(cli.Served.Endpoints.HealthEnabled);
        Assert.Equal("info", cli.Served.LogLevel);
    }

    [Fact]
    public async Task BooleanFlagAcceptsAnExplicitValue()
    {
        using var dir = new TempDirectory();
        var cli = new CliRunner();

        await cli.RunAsync("-c", dir.Write("config.json", "{}"), "--health.enabled", "false", "--log.level", "debug");

        Assert.False(cli.Served!.Endpoints.HealthEnabled);
        Assert.Equal("debug", cli.Served.LogLevel);
    }

    [Fact]
    public async Task FlagsForUnsupportedSectionsReachTheTree()
    {
        using var dir = new TempDirectory();
        var cli = new CliRunner();

        await cli.RunAsync("-c", dir.Write("config.json", "{}"), "--map_broker.type", "redis", "--grpc_api.port", "10001");

        Assert.Equal("redis", cli.Served!.Config.MapBroker!["type"]!.GetValue<string>());
        Assert.Equal(10001, cli.Served.Config.GrpcApi.Port);
        Assert.Contains(cli.Served.Warnings, w => w.Contains("flag --map_broker.type", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConfigErrorIsPrintedWithKeyAndFileAndExitsOneWithoutServing()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.yaml", "client:\n  ping_interval: fast\n");
        var cli = new CliRunner();

        var (exitCode, output) = await cli.RunAsync("-c", path);

        Assert.Equal(1, exitCode);
        Assert.Equal($"error: client.ping_interval: invalid duration \"fast\" (from config file {path}){Environment.NewLine}", output);
        Assert.Null(cli.Served);
    }

    [Fact]
    public async Task BadPortFlagIsReportedAsThatFlag()
    {
        using var dir = new TempDirectory();
        var cli = new CliRunner();

        var (exitCode, output) = await cli.RunAsync("-c", dir.Write("config.json", "{}"), "-p", "http");

        Assert.Equal(1, exitCode);
        Assert.Equal($"error: http_server.port: invalid integer \"http\" (from flag --http_server.port){Environment.NewLine}", output);
    }

    [Fact]
    public async Task ExplicitConfigFileThatDoesNotExistIsAnError()
    {
        using var dir = new TempDirectory();
        var cli = new CliRunner();

        var (exitCode, output) = await cli.RunAsync("-c", dir.File("nope.json"));

        Assert.Equal(1, exitCode);
        Assert.Contains(dir.File("nope.json"), output, StringComparison.Ordinal);
        Assert.Null(cli.Served);
    }

    [Fact]
    public async Task UnknownOptionExitsOne()
    {
        var cli = new CliRunner();

        var (exitCode, _) = await cli.RunAsync("--no-such-flag");

        Assert.Equal(1, exitCode);
        Assert.Null(cli.Served);
    }

    [Fact]
    public async Task ServeExitCodeIsReturned()
    {
        using var dir = new TempDirectory();
        using var output = new StringWriter();
        var context = new Server.Cli.CliContext { Output = output, Error = output, ReadEnvironment = () => new Dictionary<string, string?>() };

        var exitCode = await Server.Cli.GyreCli.RunAsync(["-c", dir.Write("config.json", "{}")], (_, _) => Task.FromResult(3), context)
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(3, exitCode);
    }
}
