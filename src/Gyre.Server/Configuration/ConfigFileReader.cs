using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gyre.Server.Configuration;

/// <summary>
/// Reads a JSON, YAML or TOML config file into one JSON tree, so environment, flags and binding work the same for
/// every format. Scalars keep their type where the format has one (TOML integers, YAML plain <c>25</c>); the binder
/// applies Centrifugo's weak typing afterwards.
/// </summary>
internal static partial class ConfigFileReader
{
    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        // Viper's JSON reader is strict; Gyre additionally skips comments, which cost nothing and help operators.
        CommentHandling = JsonCommentHandling.Skip,
        // Go's encoding/json keeps the last duplicate silently; refusing is kinder than guessing which one was meant.
        AllowDuplicateProperties = false,
    };

    /// <summary>Parses <paramref name="text"/>, read from <paramref name="path"/>, in <paramref name="format"/>.</summary>
    /// <exception cref="ConfigException">The text does not parse, or its root is not a mapping; the message names the file.</exception>
    public static JsonObject Parse(string text, ConfigFileFormat format, string path) => format switch
    {
        ConfigFileFormat.Json => ParseJson(text, path),
        ConfigFileFormat.Yaml => ParseYaml(text, path),
        _ => ParseToml(text, path),
    };

    /// <summary>Reads and parses the file at <paramref name="path"/>; the format comes from its extension.</summary>
    public static JsonObject Read(string path)
    {
        var format = ConfigFileFormats.FromPath(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"error reading config file {path}: {e.Message}", e);
        }
        return Parse(text, format, path);
    }

    private static JsonObject ParseJson(string text, string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text, nodeOptions: null, JsonOptions);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, column {e.BytePositionInLine + 1}" : "";
            throw new ConfigException($"error reading config file {path}: invalid JSON{where}: {FirstSentence(e.Message)}", e);
        }
        return root as JsonObject ?? throw NotAMapping(path);
    }

    private static ConfigException NotAMapping(string path) =>
        new($"error reading config file {path}: the top level must be a mapping of section names");

    /// <summary>System.Text.Json appends "Path: … | LineNumber: …" to its messages; the position is reported separately.</summary>
    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        }
        return cut < 0 ? message : message[..cut];
    }
}
