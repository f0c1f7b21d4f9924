using System.CommandLine;
using Gyre.Server.Configuration;

namespace Gyre.Server.Cli;

public static partial class GyreCli
{
    private static Command DefaultConfigCommand(CliContext context)
    {
        var config = ConfigOption("path to default config file to generate (json, toml, yaml or yml)");
        var baseFile = new Option<string>("--base", "-b") { Description = "path to the base config file to use" };
        var dryRun = new Option<bool>("--dry-run", "-d") { Description = "print the generated config to stdout instead of writing the file" };
        var command = new Command("defaultconfig", "Generate full configuration file with defaults") { config, baseFile, dryRun };
        command.SetAction(parseResult => Guard(context, () =>
        {
            var path = parseResult.GetValue(config) ?? ConfigLoader.DefaultConfigFile;
            var print = parseResult.GetValue(dryRun);
            if (!print && File.Exists(path))
            {
                return Fail(context, "target file already exists");
            }
            if (!ConfigFileFormats.TryFromPath(path, out var format))
            {
                return Fail(context, $"output config file must have one of supported extensions: {ConfigFileFormats.SupportedExtensions}");
            }

            var loaded = ConfigLoader.Load(new ConfigSources
            {
                ExplicitPath = parseResult.GetValue(baseFile),
                DefaultPath = null,
                Environment = context.ReadEnvironment(),
            });
            var text = ConfigWriter.Serialize(ConfigWriter.ToTree(loaded.Config), format);
            if (print)
            {
                context.Output.Write(text);
                return 0;
            }
            return TryWriteNewFile(path, text) ? 0 : Fail(context, "target file already exists");
        }));
        return command;
    }
}
