using Gyre.Server.Configuration;

namespace Gyre.Server.Cli;

/// <summary>What commands read and write besides their arguments: swapped out by tests, the process's own in production.</summary>
internal sealed class CliContext
{
    /// <summary>Results and error lines. Centrifugo prints command errors on stdout, and so does Gyre.</summary>
    public required TextWriter Output { get; init; }

    /// <summary>Where System.CommandLine writes parse errors.</summary>
    public required TextWriter Error { get; init; }

    /// <summary>
    /// Reads the environment when a command needs it. Lazy, so a malformed <c>.env</c> is reported by the command as
    /// a configuration error rather than crashing before parsing.
    /// </summary>
    public required Func<IReadOnlyDictionary<string, string?>> ReadEnvironment { get; init; }

    /// <summary>Clock for token timestamps.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Console output, process environment plus <c>./.env</c>, system clock.</summary>
    public static CliContext ForProcess(TextWriter? output) => new()
    {
        Output = output ?? Console.Out,
        Error = output ?? Console.Error,
        ReadEnvironment = () => ConfigLoader.ReadEnvironment(Directory.GetCurrentDirectory()),
    };
}
