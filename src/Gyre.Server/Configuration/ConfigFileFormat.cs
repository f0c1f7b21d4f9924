namespace Gyre.Server.Configuration;

/// <summary>The config file formats, chosen by file extension as Centrifugo (Viper) chooses them.</summary>
public enum ConfigFileFormat
{
    /// <summary><c>.json</c>.</summary>
    Json,

    /// <summary><c>.yaml</c> or <c>.yml</c>.</summary>
    Yaml,

    /// <summary><c>.toml</c>.</summary>
    Toml,
}

/// <summary>Extension handling for <see cref="ConfigFileFormat"/>.</summary>
public static class ConfigFileFormats
{
    /// <summary>The extensions, in the order error messages list them.</summary>
    public const string SupportedExtensions = "json, toml, yaml, yml";

    /// <summary>The format for <paramref name="path"/>'s extension (case-insensitive), or false for any other extension.</summary>
    public static bool TryFromPath(string path, out ConfigFileFormat format)
    {
        (var known, format) = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".json" => (true, ConfigFileFormat.Json),
            ".yaml" or ".yml" => (true, ConfigFileFormat.Yaml),
            ".toml" => (true, ConfigFileFormat.Toml),
            _ => (false, default),
        };
        return known;
    }

    /// <summary>The format for <paramref name="path"/>'s extension.</summary>
    /// <exception cref="ConfigException">Any other extension.</exception>
    public static ConfigFileFormat FromPath(string path) =>
        TryFromPath(path, out var format)
            ? format
            : throw new ConfigException($"config file must have one of supported extensions: {SupportedExtensions} (got {path})");
}
