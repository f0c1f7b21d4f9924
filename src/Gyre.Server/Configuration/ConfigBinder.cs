using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gyre.Server.Configuration;

/// <summary>
/// Binds the merged tree onto <see cref="GyreConfig"/> with Centrifugo's (mapstructure's) weak typing: a string is
/// accepted wherever its Go parse succeeds (<c>"8000"</c> for a port, <c>"true"</c> for a flag), a number for a
/// duration means nanoseconds, a single string for a list means a one-item list, and null means "not set".
/// </summary>
/// <remarks>
/// Like Centrifugo, a zero value in the file or a flag for an option whose default is not zero keeps the default
/// (so <c>port: 0</c> is 8000, and pings are disabled with a negative interval, not with zero); only the option's own
/// environment variable can set it to zero. Booleans are exempt: Gyre's <c>health.enabled</c> defaults to true and
/// must be switchable off.
/// </remarks>
internal static class ConfigBinder
{
    public static GyreConfig Bind(ConfigTree tree, ICollection<string> warnings) =>
        (GyreConfig)new Binder(tree, warnings).Section(ConfigSection.Root, tree.Root, path: "");

    private sealed class Binder(ConfigTree tree, ICollection<string> warnings)
    {
        public object Section(ConfigSection section, JsonObject node, string path)
        {
            var target = section.CreateDefault();
            foreach (var (name, value) in node)
            {
                var keyPath = ConfigTree.Join(path, name);
                if (!section.TryGetKey(name, out var key))
                {
                    if (section.RejectUnknownKeys)
                    {
                        throw Error(keyPath, "unknown channel option");
                    }
                    warnings.Add($"unknown key {keyPath} in configuration (from {tree.SourceOf(keyPath)})");
                    continue;
                }
                if (value is null)
                {
                    continue;
                }
                var bound = Value(key, value, keyPath);
                if (key.Kind != ConfigValueKind.Flag && IsZero(bound) && !IsZero(key.GetValue(target))
                    && !tree.IsSetByItsEnvironmentVariable(keyPath))
                {
                    continue;
                }
                key.SetValue(target, bound);
            }
            return target;
        }

        private object Value(ConfigKey key, JsonNode node, string path)
        {
            switch (key.Kind)
            {
                case ConfigValueKind.Text:
                    return Text(node, path, "a string");
                case ConfigValueKind.Flag:
                    return Flag(node, path);
                case ConfigValueKind.Integer when key.Property.PropertyType == typeof(int):
                    return (int)Integer(node, path, int.MinValue, int.MaxValue);
                case ConfigValueKind.Integer:
                    return Integer(node, path, long.MinValue, long.MaxValue);
                case ConfigValueKind.Duration:
                    return Duration(node, path);
                case ConfigValueKind.TextList:
                    return TextList(node, path);
                case ConfigValueKind.Section:
                    return node is JsonObject obj ? Section(key.Section!, obj, path) : throw WrongType(path, "an object", node);
                case ConfigValueKind.SectionList:
                    return SectionList(key, node, path);
                case ConfigValueKind.Raw:
                    warnings.Add($"{path} is not supported by Gyre yet and has no effect (from {tree.SourceOf(path)})");
                    return node.DeepClone();
                default:
                    throw new UnreachableException($"No binding for {key.Kind}.");
            }
        }

        private string Text(JsonNode node, string path, string expected)
        {
            if (node is not JsonValue value)
            {
                throw WrongType(path, expected, node);
            }
            return value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
        }

        private bool Flag(JsonNode node, string path) => node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when GoStrconv.TryParseBool(node.GetValue<string>(), out var flag) => flag,
            JsonValueKind.String => throw Error(path, $"invalid boolean {GoStrconv.Quote(node.GetValue<string>())}"),
            _ => throw WrongType(path, "a boolean", node),
        };

        private long Integer(JsonNode node, string path, long min, long max)
        {
            var value = node.GetValueKind() switch
            {
                JsonValueKind.Number when long.TryParse(node.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => n,
                JsonValueKind.String when GoStrconv.TryParseInt64(node.GetValue<string>(), out var n) => n,
                JsonValueKind.String => throw Error(path, $"invalid integer {GoStrconv.Quote(node.GetValue<string>())}"),
                _ => throw WrongType(path, "an integer", node),
            };
            return value >= min && value <= max ? value : throw Error(path, $"{value} is out of range {min}..{max}");
        }

        private TimeSpan Duration(JsonNode node, string path)
        {
            switch (node.GetValueKind())
            {
                case JsonValueKind.Number when long.TryParse(node.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var nanoseconds):
                    return GoDuration.FromNanoseconds(nanoseconds);
                case JsonValueKind.String:
                    return GoDuration.TryParseNanoseconds(node.GetValue<string>(), out var parsed, out var error)
                        ? GoDuration.FromNanoseconds(parsed)
                        : throw Error(path, error);
                default:
                    throw WrongType(path, "a duration such as \"25s\" (or a number of nanoseconds)", node);
            }
        }

        private List<string> TextList(JsonNode node, string path)
        {
            if (node is not JsonArray array)
            {
                return [Text(node, path, "a list of strings")];
            }
            var list = new List<string>(array.Count);
            for (var i = 0; i < array.Count; i++)
            {
                var itemPath = ConfigTree.Join(path, i);
                list.Add(Text(array[i] ?? throw WrongType(itemPath, "a string", null), itemPath, "a string"));
            }
            return list;
        }

        private object SectionList(ConfigKey key, JsonNode node, string path)
        {
            if (node is not JsonArray array)
            {
                throw WrongType(path, "an array of objects", node);
            }
            var list = (System.Collections.IList)Activator.CreateInstance(key.Property.PropertyType)!;
            for (var i = 0; i < array.Count; i++)
            {
                var itemPath = ConfigTree.Join(path, i);
                list.Add(array[i] is JsonObject obj ? Section(key.Section!, obj, itemPath) : throw WrongType(itemPath, "an object", array[i]));
            }
            return list;
        }

        private static bool IsZero(object? value) => value switch
        {
            null => true,
            string s => s.Length == 0,
            int i => i == 0,
            long l => l == 0,
            TimeSpan t => t == TimeSpan.Zero,
            _ => false,
        };

        private ConfigException WrongType(string path, string expected, JsonNode? node) =>
            Error(path, $"expected {expected}, got {ConfigTree.Describe(node)}");

        private ConfigException Error(string path, string problem) => ConfigException.ForKey(path, tree.SourceOf(path).Description, problem);
    }
}
