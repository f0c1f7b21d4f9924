using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Gyre.Server.Configuration;

/// <summary>
/// Applies <c>CENTRIFUGO_*</c> and <c>GYRE_*</c> environment variables to the tree. The variable for a key is the
/// prefix plus the key path upper-cased with <c>.</c> replaced by <c>_</c> (<c>client.ping_interval</c> →
/// <c>CENTRIFUGO_CLIENT_PING_INTERVAL</c>); <c>GYRE_</c> wins over <c>CENTRIFUGO_</c> for the same key, and an
/// empty value counts as unset. Values use Centrifugo's encodings: Go scalars, space-separated string lists, and
/// JSON arrays (or space-separated names) for <c>channel.namespaces</c>, whose items can also be set one key at a
/// time with <c>CENTRIFUGO_CHANNEL_NAMESPACES_&lt;NAME&gt;_&lt;KEY&gt;</c>.
/// </summary>
internal static partial class EnvironmentOverlay
{
    /// <summary>Searched in this order, so <c>GYRE_</c> wins.</summary>
    private static readonly string[] Prefixes = ["GYRE_", "CENTRIFUGO_"];

    public static void Apply(ConfigTree tree, IReadOnlyDictionary<string, string?> environment, ICollection<string> warnings)
    {
        var walk = new Walk(tree, environment);
        walk.Section(ConfigSection.Root, path: "", suffix: "");
        foreach (var (name, value) in environment)
        {
            if (!string.IsNullOrEmpty(value) && IsUnknown(name, walk))
            {
                warnings.Add($"unknown environment variable {name}");
            }
        }
    }

    /// <summary>
    /// Centrifugo's naming for a named item: upper case with <c>.</c> and <c>-</c> replaced by <c>_</c>
    /// (namespace <c>chat-room</c> → <c>CHAT_ROOM</c>).
    /// </summary>
    internal static string NameForEnvironment(string name) =>
        name.Replace('.', '_').Replace('-', '_').ToUpperInvariant();

    private static bool IsUnknown(string name, Walk walk)
    {
        var prefix = Array.Find(Prefixes, p => name.StartsWith(p, StringComparison.Ordinal));
        if (prefix is null || walk.Known.Contains(name) || IgnoredVariable().IsMatch(name))
        {
            return false;
        }
        var suffix = name[prefix.Length..];
        return !walk.RawSuffixes.Any(raw => suffix == raw || suffix.StartsWith(raw + "_", StringComparison.Ordinal));
    }

    /// <summary>
    /// Never reported as unknown: Kubernetes service links (<c>CENTRIFUGO_PORT</c>, <c>CENTRIFUGO_SERVICE_HOST</c>,
    /// <c>…_PORT_8000_TCP</c>) and <c>*_VAR_*</c> placeholders, exactly the exemptions Centrifugo makes.
    /// </summary>
    [GeneratedRegex("^(CENTRIFUGO|GYRE)((_[A-Z0-9_]+)?_(PORT|SERVICE_)|_VAR_)")]
    private static partial Regex IgnoredVariable();

    /// <summary>One pass over the schema; remembers every variable name it looked for.</summary>
    private sealed class Walk(ConfigTree tree, IReadOnlyDictionary<string, string?> environment)
    {
        /// <summary>Every variable a key maps to, under both prefixes.</summary>
        public HashSet<string> Known { get; } = new(StringComparer.Ordinal);

        /// <summary>Name suffixes of raw (uninterpreted) subtrees: their variables are not read, and not reported either.</summary>
        public List<string> RawSuffixes { get; } = [];

        public void Section(ConfigSection section, string path, string suffix)
        {
            foreach (var key in section.Keys)
            {
                var keyPath = ConfigTree.Join(path, key.Name);
                var keySuffix = suffix + key.Name.ToUpperInvariant();
                switch (key.Kind)
                {
                    case ConfigValueKind.Section:
                        Section(key.Section!, keyPath, keySuffix + "_");
                        break;
                    case ConfigValueKind.SectionList:
                        NamedList(key.Section!, keyPath, keySuffix);
                        break;
                    case ConfigValueKind.Raw:
                        RawSuffixes.Add(keySuffix);
                        break;
                    default:
                        if (Lookup(keySuffix) is var (variable, value))
                        {
                            tree.Set(keyPath, Scalar(key.Kind, value), ValueSource.Environment(variable));
                        }
                        break;
                }
            }
        }

        /// <summary>
        /// A JSON array replaces the list; space-separated names append items that have only a name (skipping names
        /// already present). Then each item's keys are read from <c>{suffix}_{NAME}_{KEY}</c>.
        /// </summary>
        private void NamedList(ConfigSection item, string path, string suffix)
        {
            if (Lookup(suffix) is var (variable, value))
            {
                var source = ValueSource.Environment(variable);
                if (value.TrimStart().StartsWith('['))
                {
                    tree.Set(path, ParseJsonArray(path, source, value), source);
                }
                else
                {
                    AppendNames(path, source, value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
                }
            }

            if (tree.Find(path) is not JsonArray items)
            {
                return;
            }
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i] is JsonObject obj && obj["name"] is JsonValue name && name.GetValueKind() == JsonValueKind.String)
                {
                    Section(item, ConfigTree.Join(path, i), $"{suffix}_{NameForEnvironment(name.GetValue<string>())}_");
                }
            }
        }

        private void AppendNames(string path, ValueSource source, string[] names)
        {
            if (tree.Find(path) is not JsonArray items)
            {
                items = [];
                tree.Set(path, items, source);
            }
            var existing = items.OfType<JsonObject>().Select(o => o["name"]?.ToString()).ToHashSet(StringComparer.Ordinal);
            foreach (var name in names.Where(existing.Add))
            {
                items.Add(new JsonObject { ["name"] = name });
                tree.Record(ConfigTree.Join(path, items.Count - 1), source);
            }
        }

        private static JsonArray ParseJsonArray(string path, ValueSource source, string value)
        {
            try
            {
                return JsonNode.Parse(value) as JsonArray
                    ?? throw ConfigException.ForKey(path, source.Description, "expected a JSON array");
            }
            catch (JsonException e)
            {
                throw ConfigException.ForKey(path, source.Description, $"invalid JSON array: {e.Message}");
            }
        }

        private static JsonNode Scalar(ConfigValueKind kind, string value) => kind == ConfigValueKind.TextList
            ? new JsonArray([.. value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => (JsonNode)JsonValue.Create(v))])
            : JsonValue.Create(value);

        private (string Variable, string Value)? Lookup(string suffix)
        {
            foreach (var prefix in Prefixes)
            {
                Known.Add(prefix + suffix);
            }
            foreach (var prefix in Prefixes)
            {
                if (environment.TryGetValue(prefix + suffix, out var value) && !string.IsNullOrEmpty(value))
                {
                    return (prefix + suffix, value);
                }
            }
            return null;
        }
    }
}
