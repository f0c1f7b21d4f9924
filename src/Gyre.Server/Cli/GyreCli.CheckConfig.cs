using System.CommandLine;
using Gyre.Server.Configuration;

namespace Gyre.Server.Cli;

public static partial class GyreCli
{
    private static Command CheckConfigCommand(CliContext context)
    {
        var config = ConfigOption("path to config file to check");
        var command = new Command("checkconfig", "Check configuration file") { config };
        command.SetAction(parseResult => Guard(context, () =>
        {
            // Unlike serving, checking needs the file: the default path must exist too.
            var path = parseResult.GetValue(config) ?? ConfigLoader.DefaultConfigFile;
            ConfigLoader.Load(new ConfigSources { ExplicitPath = path, Environment = context.ReadEnvironment() });
            return 0;
        }));
        return command;
    }
}
