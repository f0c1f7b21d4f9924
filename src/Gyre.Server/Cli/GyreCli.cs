using System.CommandLine;
using System.Text;
using Gyre.Server.Configuration;

namespace Gyre.Server.Cli;

/// <summary>
/// The <c>gyre</c> command line, Centrifugo v6's: the root command serves, with configuration flags named after the
/// keys they override; <c>version</c>, <c>genconfig</c>, <c>checkconfig</c>, <c>defaultconfig</c> and
/// <c>gentoken</c> are subcommands. Errors are printed as one line on the output and exit with code 1.
/// </summary>
public static partial class GyreCli
{
    /// <summary>Runs the command line and returns the process exit code.</summary>
    /// <param name="args">The process arguments.</param>
    /// <param name="serve">Starts the server with the loaded configuration and runs until the token is cancelled or the host stops.</param>
    /// <param name="output">Where results and errors go; the console when null.</param>
    public static int Run(string[] args, Func<LoadedConfig, CancellationToken, Task<int>> serve, TextWriter? output = null) =>
        RunAsync(args, serve, output).GetAwaiter().GetResult();

    /// <summary>Runs the command line and returns the process exit code.</summary>
    /// <param name="args">The process arguments.</param>
    /// <param name="serve">Starts the server with the loaded configuration and runs until the token is cancelled or the host stops.</param>
    /// <param name="output">Where results and errors go; the console when null.</param>
    /// <param name="cancellationToken">
    /// Passed to <paramref name="serve"/>. Termination signals are left to the host <paramref name="serve"/> starts
    /// (ASP.NET Core stops gracefully on SIGINT/SIGTERM); System.CommandLine's own handler would abandon the server
    /// after 2 s, shorter than Centrifugo's 30 s shutdown timeout.
    /// </param>
    public static Task<int> RunAsync(
        string[] args,
        Func<LoadedConfig, CancellationToken, Task<int>> serve,
        TextWriter? output = null,
        CancellationToken cancellationToken = default) =>
        RunAsync(args, serve, CliContext.ForProcess(output), cancellationToken);

    internal static Task<int> RunAsync(
        string[] args,
        Func<LoadedConfig, CancellationToken, Task<int>> serve,
        CliContext context,
        CancellationToken cancellationToken = default)
    {
        var root = CreateRootCommand(serve, context);
        var invocation = new InvocationConfiguration
        {
            Output = context.Output,
            Error = context.Error,
            ProcessTerminationTimeout = null,
        };
        return root.Parse(args).InvokeAsync(invocation, cancellationToken);
    }

    private static RootCommand CreateRootCommand(Func<LoadedConfig, CancellationToken, Task<int>> serve, CliContext context)
    {
        var config = ConfigOption("path to config file");
        var flags = new ServeFlags();
        var root = new RootCommand("Gyre: real-time messaging server compatible with Centrifugo v6") { config };
        foreach (var option in flags.Options)
        {
            root.Add(option);
        }
        root.SetAction(async (parseResult, cancellationToken) =>
        {
            LoadedConfig? loaded = null;
            var exitCode = Guard(context, () =>
            {
                loaded = Load(context, parseResult, config, flags.GivenValues(parseResult));
                return 0;
            });
            return loaded is null ? exitCode : await serve(loaded, cancellationToken).ConfigureAwait(false);
        });

        root.Add(VersionCommand(context));
        root.Add(GenConfigCommand(context));
        root.Add(CheckConfigCommand(context));
        root.Add(DefaultConfigCommand(context));
        root.Add(GenTokenCommand(context));
        root.Add(GenSubTokenCommand(context));
        root.Add(CheckTokenCommand(context));
        root.Add(CheckSubTokenCommand(context));
        return root;
    }

    /// <summary><c>-c/--config</c>, default <c>config.json</c>, as on every Centrifugo command.</summary>
    private static Option<string> ConfigOption(string description) => new("--config", "-c")
    {
        Description = description,
        HelpName = "file",
        DefaultValueFactory = _ => ConfigLoader.DefaultConfigFile,
    };

    /// <summary>
    /// Loads configuration as the server would. A <c>-c</c> given on the command line must exist; the default file
    /// may be missing (environment and flags then configure everything).
    /// </summary>
    private static LoadedConfig Load(
        CliContext context,
        ParseResult parseResult,
        Option<string> config,
        IReadOnlyDictionary<string, string>? flags = null)
    {
        var given = parseResult.GetResult(config) is { Implicit: false };
        var path = parseResult.GetValue(config) ?? ConfigLoader.DefaultConfigFile;
        return ConfigLoader.Load(new ConfigSources
        {
            ExplicitPath = given ? path : null,
            DefaultPath = path,
            Environment = context.ReadEnvironment(),
            Flags = flags ?? new Dictionary<string, string>(),
        });
    }

    /// <summary>Runs a command body, turning configuration and file errors into an error line and exit code 1.</summary>
    private static int Guard(CliContext context, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is ConfigException or IOException or UnauthorizedAccessException)
        {
            return Fail(context, e.Message);
        }
    }

    private static int Fail(CliContext context, string message)
    {
        context.Output.WriteLine("error: " + message);
        return 1;
    }

    /// <summary>
    /// Creates <paramref name="path"/> with mode 0600 (it may hold secrets) and writes <paramref name="content"/>.
    /// Returns false, writing nothing, when the file already exists.
    /// </summary>
    private static bool TryWriteNewFile(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            using var writer = new StreamWriter(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options);
            writer.Write(content);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }
}
