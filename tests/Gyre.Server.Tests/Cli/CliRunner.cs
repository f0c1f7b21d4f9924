using Gyre.Server.Cli;
using Gyre.Server.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace Gyre.Server.Tests.Cli;

/// <summary>Runs <see cref="GyreCli"/> in process with a captured output, a given environment and a fake clock.</summary>
internal sealed class CliRunner
{
    public static readonly DateTimeOffset Now = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public Dictionary<string, string?> Environment { get; } = [];

    public FakeTimeProvider Time { get; } = new(Now);

    /// <summary>The configuration the root command handed to serve, if it got that far.</summary>
    public LoadedConfig? Served { get; private set; }

    public async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        var context = new CliContext { Output = output, Error = output, ReadEnvironment = () => Environment, Time = Time };
        var exitCode = await GyreCli.RunAsync(args, ServeAsync, context).WaitAsync(TimeSpan.FromSeconds(30));
        return (exitCode, output.ToString());
    }

    private Task<int> ServeAsync(LoadedConfig config, CancellationToken cancellationToken)
    {
        Served = config;
        return Task.FromResult(0);
    }
}
