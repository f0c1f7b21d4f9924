using System.Globalization;
using System.Text.Json.Nodes;

namespace Gyre.Server.Configuration;

/// <summary>
/// The merged configuration as one JSON tree (file first, then environment, then flags) plus a record of which
/// source set which key, so an error can say "from environment variable CENTRIFUGO_CLIENT_PING_INTERVAL" instead of
/// blaming the file.
/// </summary>
/// <remarks>
/// Paths are dotted keys with array indices, e.g. <c>channel.namespaces[1].history_ttl</c>. A value set by the
/// environment or a flag owns its whole subtree: the source of a path is the one recorded for its longest prefix.
/// </remarks>
internal sealed class ConfigTree
{
    private readonly Dictionary<string, ValueSource> _sources = new(StringComparer.Ordinal);
    private readonly ValueSource? _fileSource;

    /// <summary>The file's own tree, untouched by overlays: tells keys the file set from keys added later.</summary>
    private readonly JsonObject _fileRoot;

    public ConfigTree(JsonObject root, string? filePath)
    {
        Root = root;
        _fileRoot = (JsonObject)root.DeepClone();
        _fileSource = filePath is null ? null : ValueSource.File(filePath);
    }

    public JsonObject Root { get; }

    /// <summary>Sets the value at <paramref name="path"/>, creating missing objects on the way, and records its source.</summary>
    /// <exception cref="ConfigException">A key on the way holds something other than an object.</exception>
    public void Set(string path, JsonNode? value, ValueSource source)
    {
        var segments = Parse(path);
        JsonNode current = Root;
        for (var i = 0; i < segments.Count - 1; i++)
        {
            var segment = segments[i];
            var child = Child(current, segment);
            if (child is null && segment.Key is not null && current is JsonObject parent)
            {
                child = new JsonObject();
                parent[segment.Key] = child;
            }
            var wantsObject = segments[i + 1].Key is not null;
            if (wantsObject ? child is not JsonObject : child is not JsonArray)
            {
                var prefix = Join(segments, i + 1);
                var expected = wantsObject ? "an object" : "an array";
                throw ConfigException.ForKey(prefix, SourceOf(prefix).Description, $"expected {expected} to hold {path}, got {Describe(child)}");
            }
            current = child;
        }

        var last = segments[^1];
        if (current is JsonObject obj && last.Key is not null)
        {
            obj[last.Key] = value;
        }
        else if (current is JsonArray array && last.Key is null && last.Index < array.Count)
        {
            array[last.Index] = value;
        }
        else
        {
            throw ConfigException.ForKey(path, source.Description, "no such element");
        }

        foreach (var stale in _sources.Keys.Where(k => IsBelow(k, path)).ToList())
        {
            _sources.Remove(stale);
        }
        _sources[path] = source;
    }

    /// <summary>Records that <paramref name="source"/> produced the value already at <paramref name="path"/>.</summary>
    public void Record(string path, ValueSource source) => _sources[path] = source;

    /// <summary>
    /// Whether the key's own environment variable set it. Centrifugo fills defaults into zero fields after reading
    /// the file, while reading each variable: only a variable can set an option with a non-zero default to zero.
    /// </summary>
    public bool IsSetByItsEnvironmentVariable(string path) =>
        _sources.TryGetValue(path, out var source) && source.Kind == ValueSourceKind.Environment;

    /// <summary>The node at <paramref name="path"/>, or null when absent.</summary>
    public JsonNode? Find(string path) => Find(Root, path);

    private static JsonNode? Find(JsonObject root, string path)
    {
        JsonNode? current = root;
        foreach (var segment in Parse(path))
        {
            current = current is null ? null : Child(current, segment);
        }
        return current;
    }

    /// <summary>
    /// Where the value at <paramref name="path"/> came from, for messages: the source recorded for the path or its
    /// nearest ancestor, else the file if the file has the key, else the source of the array item holding the key (a
    /// namespace without <c>name</c> comes from wherever the namespace was written), else the first source that set a
    /// key below it (an object created by <c>--admin.enabled</c> comes from that flag), else the defaults.
    /// </summary>
    public ValueSource SourceOf(string path)
    {
        for (var prefix = path; prefix.Length > 0; prefix = Parent(prefix))
        {
            if (_sources.TryGetValue(prefix, out var source))
            {
                return source;
            }
        }
        if (_fileSource is { } file && Find(_fileRoot, path) is not null)
        {
            return file;
        }
        var item = path.LastIndexOf(']');
        if (item > 0 && item < path.Length - 1)
        {
            return SourceOf(path[..(item + 1)]);
        }
        foreach (var (key, source) in _sources)
        {
            if (IsBelow(key, path))
            {
                return source;
            }
        }
        return ValueSource.Default;
    }

    /// <summary>How an error message names a node's type.</summary>
    public static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        _ => node.GetValueKind() switch
        {
            System.Text.Json.JsonValueKind.String => $"the string {GoStrconv.Quote(node.GetValue<string>())}",
            System.Text.Json.JsonValueKind.Number => $"the number {node.ToJsonString()}",
            _ => $"the boolean {node.ToJsonString()}",
        },
    };

    /// <summary>Appends a key to a path.</summary>
    public static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;

    /// <summary>Appends an array index to a path.</summary>
    public static string Join(string path, int index) => path + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    private static JsonNode? Child(JsonNode node, Segment segment) => node switch
    {
        JsonObject obj when segment.Key is not null => obj.TryGetPropertyValue(segment.Key, out var child) ? child : null,
        JsonArray array when segment.Key is null && segment.Index < array.Count => array[segment.Index],
        _ => null,
    };

    private static bool IsBelow(string candidate, string path) =>
        candidate.Length > path.Length
        && candidate.StartsWith(path, StringComparison.Ordinal)
        && candidate[path.Length] is '.' or '[';

    private static string Parent(string path)
    {
        var cut = path.LastIndexOfAny(['.', '[']);
        return cut < 0 ? "" : path[..cut];
    }

    private static List<Segment> Parse(string path)
    {
        var segments = new List<Segment>();
        foreach (var part in path.Split('.'))
        {
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            segments.Add(new Segment(bracket < 0 ? part : part[..bracket], 0));
            while (bracket >= 0)
            {
                var close = part.IndexOf(']', bracket);
                segments.Add(new Segment(null, int.Parse(part.AsSpan(bracket + 1, close - bracket - 1), CultureInfo.InvariantCulture)));
                bracket = part.IndexOf('[', close);
            }
        }
        return segments;
    }

    private static string Join(List<Segment> segments, int count)
    {
        var path = "";
        foreach (var segment in segments.Take(count))
        {
            path = segment.Key is null ? Join(path, segment.Index) : Join(path, segment.Key);
        }
        return path;
    }

    /// <summary>An object key, or (when <see cref="Key"/> is null) an array index.</summary>
    private readonly record struct Segment(string? Key, int Index);
}

/// <summary>Kinds of <see cref="ValueSource"/>, lowest precedence first.</summary>
internal enum ValueSourceKind
{
    Default,
    File,
    Environment,
    Flag,
}

/// <summary>Where a configuration value came from; <see cref="Description"/> is what messages print.</summary>
internal readonly record struct ValueSource(ValueSourceKind Kind, string Description)
{
    public static ValueSource Default { get; } = new(ValueSourceKind.Default, "default value");

    public static ValueSource File(string path) => new(ValueSourceKind.File, $"config file {path}");

    public static ValueSource Environment(string variable) => new(ValueSourceKind.Environment, $"environment variable {variable}");

    public static ValueSource Flag(string key) => new(ValueSourceKind.Flag, $"flag --{key}");

    public override string ToString() => Description;
}
