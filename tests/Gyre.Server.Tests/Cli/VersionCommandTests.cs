using Gyre.Core;

namespace Gyre.Server.Tests.Cli;

public class VersionCommandTests
{
    [Fact]
    public async Task VersionPrintsGyreVersionCompatibilityAndRuntime()
    {
        var (exitCode, output) = await new CliRunner().RunAsync("version");

        Assert.Equal(0, exitCode);
        Assert.Equal($"Gyre v{GyreVersion.Current} (Centrifugo v6 compatible, .NET {Environment.Version}){Environment.NewLine}", output);
    }
}
