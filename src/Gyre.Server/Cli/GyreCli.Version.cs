using System.CommandLine;
using Gyre.Core;

namespace Gyre.Server.Cli;

public static partial class GyreCli
{
    /// <summary>The <c>version</c> line, shaped like Centrifugo's <c>Centrifugo v6.x (Go version: go1.x)</c>.</summary>
    internal static string VersionText => $"Gyre v{GyreVersion.Current} (Centrifugo v6 compatible, .NET {Environment.Version})";

    private static Command VersionCommand(CliContext context)
    {
        var command = new Command("version", "Print the version of Gyre");
        command.SetAction(_ =>
        {
            context.Output.WriteLine(VersionText);
            return 0;
        });
        return command;
    }
}
