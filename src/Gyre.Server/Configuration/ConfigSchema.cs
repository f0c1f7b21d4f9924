using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gyre.Server.Configuration;

/// <summary>Overrides the key derived from the property name (snake_case), for keys such as <c>websocket</c>.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ConfigKeyAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>
/// Unknown keys in this section are errors instead of warnings. Used for channel options: a misspelt
/// <c>allow_subscribe_for_client</c> silently denies every subscription, which is worse than refusing to start.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
internal sealed class RejectUnknownKeysAttribute : Attribute;

/// <summary>How a key's value is read from the tree and from environment variables.</summary>
internal enum ConfigValueKind
{
    /// <summary><see cref="string"/>.</summary>
    Text,

    /// <summary><see cref="bool"/>: JSON boolean or Go <c>ParseBool</c> text.</summary>
    Flag,

    /// <summary><see cref="int"/> or <see cref="long"/>: JSON integer or Go <c>ParseInt</c> text.</summary>
    Integer,

    /// <summary><see cref="TimeSpan"/>: Go duration text, or a number of nanoseconds.</summary>
    Duration,

    /// <summary><c>List&lt;string&gt;</c>: array; space-separated in an environment variable.</summary>
    TextList,

    /// <summary>A nested section class.</summary>
    Section,

    /// <summary><c>List&lt;T&gt;</c> of a section class with a <c>name</c> key (namespaces): a JSON array string in the environment.</summary>
    SectionList,

    /// <summary>
    /// <see cref="JsonNode"/>: a Centrifugo subtree Gyre does not interpret yet (e.g. <c>engine</c>, <c>client.proxy</c>).
    /// Kept verbatim so a Centrifugo config loads, and reported in the warnings so nobody believes it took effect.
    /// </summary>
    Raw,
}

/// <summary>One key of a section: its name, kind and the property that holds it.</summary>
internal sealed class ConfigKey
{
    public required string Name { get; init; }

    public required ConfigValueKind Kind { get; init; }

    public required PropertyInfo Property { get; init; }

    /// <summary>The section of a <see cref="ConfigValueKind.Section"/> key, or the element section of a <see cref="ConfigValueKind.SectionList"/>.</summary>
    public ConfigSection? Section { get; init; }

    public object? GetValue(object owner) => Property.GetValue(owner);

    public void SetValue(object owner, object? value) => Property.SetValue(owner, value);
}

/// <summary>
/// The keys of one configuration class, found by reflection once per type. The binder, the environment overlay and the
/// <c>defaultconfig</c> writer all walk this one description, so a key added to a config class is read from files,
/// read from <c>CENTRIFUGO_*</c>/<c>GYRE_*</c> variables and printed by <c>defaultconfig</c> without further code.
/// </summary>
internal sealed class ConfigSection
{
    private static readonly ConcurrentDictionary<Type, ConfigSection> Cache = new();

    private readonly FrozenDictionary<string, ConfigKey> _byName;

    private ConfigSection(Type type, IReadOnlyList<ConfigKey> keys)
    {
        Type = type;
        Keys = keys;
        _byName = keys.ToFrozenDictionary(k => k.Name, StringComparer.Ordinal);
        RejectUnknownKeys = type.GetCustomAttribute<RejectUnknownKeysAttribute>() is not null;
    }

    /// <summary>The section of the whole file.</summary>
    public static ConfigSection Root => For(typeof(GyreConfig));

    public Type Type { get; }

    /// <summary>Keys in declaration order (derived class first), the order <c>defaultconfig</c> prints them.</summary>
    public IReadOnlyList<ConfigKey> Keys { get; }

    public bool RejectUnknownKeys { get; }

    public static ConfigSection For(Type type) => Cache.GetOrAdd(type, Describe);

    public bool TryGetKey(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ConfigKey? key) =>
        _byName.TryGetValue(name, out key);

    /// <summary>A fresh instance holding the defaults.</summary>
    public object CreateDefault() => Activator.CreateInstance(Type)!;

    private static ConfigSection Describe(Type type)
    {
        var keys = new List<ConfigKey>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!property.CanWrite)
            {
                continue;
            }
            var name = property.GetCustomAttribute<ConfigKeyAttribute>()?.Name
                ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);
            var (kind, section) = Classify(property.PropertyType);
            keys.Add(new ConfigKey { Name = name, Kind = kind, Property = property, Section = section });
        }
        return new ConfigSection(type, keys);
    }

    private static (ConfigValueKind Kind, ConfigSection? Section) Classify(Type type)
    {
        if (type == typeof(string))
        {
            return (ConfigValueKind.Text, null);
        }
        if (type == typeof(bool))
        {
            return (ConfigValueKind.Flag, null);
        }
        if (type == typeof(int) || type == typeof(long))
        {
            return (ConfigValueKind.Integer, null);
        }
        if (type == typeof(TimeSpan))
        {
            return (ConfigValueKind.Duration, null);
        }
        if (type == typeof(JsonNode))
        {
            return (ConfigValueKind.Raw, null);
        }
        if (type == typeof(List<string>))
        {
            return (ConfigValueKind.TextList, null);
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            return (ConfigValueKind.SectionList, For(type.GetGenericArguments()[0]));
        }
        if (type.IsClass)
        {
            return (ConfigValueKind.Section, For(type));
        }
        throw new NotSupportedException($"Configuration property type {type} has no configuration kind.");
    }
}
