using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tomlyn;
using Tomlyn.Model;
using YamlDotNet.Serialization;

namespace Gyre.Server.Configuration;

/// <summary>
/// Writes configuration trees as JSON, YAML or TOML (<c>genconfig</c>, <c>defaultconfig</c>), and turns a bound
/// <see cref="GyreConfig"/> back into a tree with durations in Go notation, so the output loads back unchanged.
/// </summary>
public static class ConfigWriter
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        // A config file is not HTML: keep "$", "+" and "<" readable instead of \u0024-style escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly ISerializer Yaml = new SerializerBuilder()
        // Strings that YAML would read as another type ("8000", "true", "") get quotes, so they load back as strings.
        .WithQuotingNecessaryStrings()
        .Build();

    /// <summary>Every key of <paramref name="config"/>; raw sections appear only when set.</summary>
    public static JsonObject ToTree(GyreConfig config) => Section(ConfigSection.Root, config);

    /// <summary>Serializes <paramref name="tree"/> in <paramref name="format"/>, ending with a newline.</summary>
    public static string Serialize(JsonObject tree, ConfigFileFormat format) => format switch
    {
        ConfigFileFormat.Json => tree.ToJsonString(JsonOptions) + "\n",
        ConfigFileFormat.Yaml => Yaml.Serialize(ToPlain(tree)),
        _ => TomlSerializer.Serialize(ToToml(tree)),
    };

    private static JsonObject Section(ConfigSection section, object value)
    {
        var obj = new JsonObject();
        foreach (var key in section.Keys)
        {
            var node = Value(key, key.GetValue(value));
            if (node is not null)
            {
                obj[key.Name] = node;
            }
        }
        return obj;
    }

    private static JsonNode? Value(ConfigKey key, object? value) => (key.Kind, value) switch
    {
        (_, null) => null,
        (ConfigValueKind.Duration, TimeSpan duration) => JsonValue.Create(GoDuration.Format(duration)),
        (ConfigValueKind.TextList, IEnumerable<string> items) => new JsonArray([.. items.Select(i => (JsonNode)JsonValue.Create(i))]),
        (ConfigValueKind.Section, _) => Section(key.Section!, value),
        (ConfigValueKind.SectionList, System.Collections.IEnumerable items) =>
            new JsonArray([.. items.Cast<object>().Select(i => (JsonNode)Section(key.Section!, i))]),
        (ConfigValueKind.Raw, JsonNode node) => node.DeepClone(),
        (_, string text) => JsonValue.Create(text),
        (_, bool flag) => JsonValue.Create(flag),
        (_, int number) => JsonValue.Create(number),
        (_, long number) => JsonValue.Create(number),
        _ => throw new NotSupportedException($"Cannot write {value.GetType()} for {key.Name}."),
    };

    /// <summary>Plain dictionaries, lists and scalars, the shape YamlDotNet serializes without type tags.</summary>
    private static object? ToPlain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => obj.ToDictionary(p => p.Key, p => ToPlain(p.Value)),
        JsonArray array => array.Select(ToPlain).ToList(),
        _ => Scalar(node),
    };

    /// <summary>TOML has no null: null keys and items are left out. Arrays of tables become <c>[[…]]</c>.</summary>
    private static object ToToml(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                var table = new TomlTable();
                foreach (var (key, value) in obj)
                {
                    if (value is not null)
                    {
                        table[key] = ToToml(value);
                    }
                }
                return table;
            case JsonArray array when array.Count > 0 && array.All(i => i is JsonObject):
                var tables = new TomlTableArray();
                foreach (var item in array)
                {
                    tables.Add((TomlTable)ToToml(item!));
                }
                return tables;
            case JsonArray array:
                var items = new TomlArray();
                foreach (var item in array.OfType<JsonNode>())
                {
                    items.Add(ToToml(item));
                }
                return items;
            default:
                return Scalar(node);
        }
    }

    private static object Scalar(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.String => node.GetValue<string>(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ when long.TryParse(node.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) => integer,
        _ => double.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
