using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gyre.Server.Configuration;

internal static partial class ConfigFileReader
{
    private const string YamlStringTag = "tag:yaml.org,2002:str";

    private static JsonObject ParseYaml(string text, string path)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ConfigException(
                $"error reading config file {path}: invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}", e);
        }
        if (stream.Documents.Count == 0)
        {
            return [];
        }
        return FromYaml(stream.Documents[0].RootNode, path) switch
        {
            JsonObject obj => obj,
            null => [],
            _ => throw NotAMapping(path),
        };
    }

    private static JsonNode? FromYaml(YamlNode node, string path)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    if (key is not YamlScalarNode { Value: { } name })
                    {
                        throw new ConfigException(
                            $"error reading config file {path}: line {key.Start.Line}: mapping keys must be plain scalars");
                    }
                    obj[name] = FromYaml(value, path);
                }
                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (var item in sequence.Children)
                {
                    array.Add(FromYaml(item, path));
                }
                return array;
            case YamlScalarNode scalar:
                return FromYamlScalar(scalar);
            default:
                throw new ConfigException($"error reading config file {path}: line {node.Start.Line}: unsupported YAML node");
        }
    }

    /// <summary>
    /// Resolves a scalar with the YAML 1.2 core schema, as Go's yaml.v3 does when Viper reads into
    /// <c>map[string]any</c>: quoted or <c>!!str</c> scalars are strings; plain <c>~</c>/<c>null</c>/empty are null,
    /// <c>true</c>/<c>false</c> (any case form) are booleans, decimal/<c>0x</c>/<c>0o</c> integers and decimal floats
    /// are numbers. YAML 1.1 words like <c>yes</c> stay strings, so a boolean option given <c>yes</c> is an error.
    /// </summary>
    private static JsonValue? FromYamlScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain || scalar.Tag is { IsGlobal: true, Value: YamlStringTag })
        {
            return JsonValue.Create(text);
        }
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }
        if (TryYamlInteger(text, out var integer))
        {
            return JsonValue.Create(integer);
        }
        if (YamlFloat().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
        {
            return JsonValue.Create(real);
        }
        return JsonValue.Create(text);
    }

    private static bool TryYamlInteger(string text, out long value)
    {
        var negative = text.StartsWith('-');
        var body = text is ['+' or '-', ..] ? text[1..] : text;
        var (digits, radix) = body switch
        {
            ['0', 'x', .. var hex] => (hex, 16),
            ['0', 'o', .. var octal] => (octal, 8),
            _ => (body, 10),
        };
        value = 0;
        if (digits.Length == 0)
        {
            return false;
        }
        foreach (var c in digits)
        {
            var digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => radix,
            };
            if (digit >= radix || value > (long.MaxValue - digit) / radix)
            {
                return false;
            }
            value = value * radix + digit;
        }
        value = negative ? -value : value;
        return true;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial System.Text.RegularExpressions.Regex YamlFloat();
}
