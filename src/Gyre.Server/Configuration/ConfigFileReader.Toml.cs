using System.Text.Json.Nodes;
using Tomlyn;
using Tomlyn.Model;

namespace Gyre.Server.Configuration;

internal static partial class ConfigFileReader
{
    private static JsonObject ParseToml(string text, string path)
    {
        TomlTable table;
        try
        {
            table = TomlSerializer.Deserialize<TomlTable>(text) ?? [];
        }
        catch (TomlException e)
        {
            // Tomlyn reports "(line,column) : error : message" for every problem it found.
            throw new ConfigException($"error reading config file {path}: invalid TOML {e.Message.Trim()}", e);
        }
        return FromToml(table);
    }

    private static JsonObject FromToml(TomlTable table)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in table)
        {
            obj[key] = FromToml(value);
        }
        return obj;
    }

    private static JsonNode? FromToml(object? value) => value switch
    {
        null => null,
        TomlTable table => FromToml(table),
        TomlTableArray tables => new JsonArray([.. tables.Select(t => (JsonNode)FromToml(t))]),
        TomlArray array => new JsonArray([.. array.Select(FromToml)]),
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        // Dates have no Centrifugo option; keep their TOML text so an error message can show it.
        _ => JsonValue.Create(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)),
    };
}
