using System.Collections;
using System.Text.Json.Nodes;

namespace Gyre.Server.Configuration;

/// <summary>
/// Loads the Centrifugo v6 configuration: defaults &lt; file &lt; environment &lt; flags, then validates it and maps it
/// onto the option records. <see cref="Load(string?, IReadOnlyDictionary{string, string?}, IReadOnlyDictionary{string, string})"/>
/// reads nothing but the config file, so tests pass the environment and flags explicitly.
/// </summary>
public static class ConfigLoader
{
    /// <summary>The file read when no <c>-c</c> is given, relative to the working directory.</summary>
    public const string DefaultConfigFile = "config.json";

    /// <summary>Centrifugo's warning when the default file is absent (an explicit <c>-c</c> that is absent is an error).</summary>
    public const string ConfigFileNotFoundWarning = "config file not found, continue using environment and flag options";

    private static readonly Dictionary<string, string> NoFlags = [];

    /// <summary>Loads configuration from a file, the given environment and the given flag values.</summary>
    /// <param name="explicitPath">The <c>-c</c> value; null reads <see cref="DefaultConfigFile"/> if it exists.</param>
    /// <param name="environment">Environment variables (<c>CENTRIFUGO_*</c> and <c>GYRE_*</c> are read).</param>
    /// <param name="flagOverrides">Key path → value text of flags given on the command line, e.g. <c>http_server.port</c> → <c>9000</c>.</param>
    /// <exception cref="ConfigException">The configuration cannot be used; the message names the key and its source.</exception>
    public static LoadedConfig Load(
        string? explicitPath,
        IReadOnlyDictionary<string, string?> environment,
        IReadOnlyDictionary<string, string> flagOverrides) =>
        Load(new ConfigSources { ExplicitPath = explicitPath, Environment = environment, Flags = flagOverrides });

    /// <summary>Loads configuration with the process environment plus <c>./.env</c> (see <see cref="ReadEnvironment"/>).</summary>
    public static LoadedConfig LoadFromProcess(string? explicitPath, IReadOnlyDictionary<string, string>? flagOverrides = null) =>
        Load(explicitPath, ReadEnvironment(Directory.GetCurrentDirectory()), flagOverrides ?? NoFlags);

    /// <summary>
    /// The process environment, with the variables of <c>.env</c> in <paramref name="directory"/> (when present) added
    /// underneath: a variable that is really set wins.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> ReadEnvironment(string directory)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            environment[(string)entry.Key] = entry.Value as string;
        }
        var dotEnvPath = Path.Combine(directory, DotEnvFile.FileName);
        return File.Exists(dotEnvPath)
            ? DotEnvFile.Underlay(environment, DotEnvFile.Parse(File.ReadAllText(dotEnvPath), dotEnvPath))
            : environment;
    }

    internal static LoadedConfig Load(ConfigSources sources)
    {
        var warnings = new List<string>();
        var (root, file) = ReadFile(sources, warnings);
        var tree = new ConfigTree(root, file);
        EnvironmentOverlay.Apply(tree, sources.Environment, warnings);
        foreach (var (key, value) in sources.Flags)
        {
            tree.Set(key, JsonValue.Create(value), ValueSource.Flag(key));
        }

        var config = ConfigBinder.Bind(tree, warnings);
        ConfigValidator.Validate(config, tree);
        return new LoadedConfig(
            ConfigMapper.ToNodeOptions(config),
            ConfigMapper.ToEndpointOptions(config),
            config.HttpServer.Address,
            config.HttpServer.Port,
            config.Log.Level,
            file,
            warnings,
            config);
    }

    private static (JsonObject Root, string? File) ReadFile(ConfigSources sources, List<string> warnings)
    {
        var path = sources.ExplicitPath ?? sources.DefaultPath;
        if (path is null)
        {
            return ([], null);
        }
        var fullPath = Path.GetFullPath(path);
        if (File.Exists(fullPath))
        {
            return (ConfigFileReader.Read(fullPath), fullPath);
        }
        if (sources.ExplicitPath is not null)
        {
            throw new ConfigException($"config file not found: {fullPath}");
        }
        warnings.Add(ConfigFileNotFoundWarning);
        return ([], null);
    }
}

/// <summary>Where <see cref="ConfigLoader"/> reads from.</summary>
internal sealed record ConfigSources
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];
    private static readonly Dictionary<string, string> NoFlags = [];

    /// <summary>A <c>-c</c> path: must exist.</summary>
    public string? ExplicitPath { get; init; }

    /// <summary>Read when <see cref="ExplicitPath"/> is null and the file exists; null reads no file at all.</summary>
    public string? DefaultPath { get; init; } = ConfigLoader.DefaultConfigFile;

    public IReadOnlyDictionary<string, string?> Environment { get; init; } = NoEnvironment;

    /// <summary>Key path → value text, applied last.</summary>
    public IReadOnlyDictionary<string, string> Flags { get; init; } = NoFlags;
}
