using System.Reflection;

namespace Gyre.Redis;

/// <summary>
/// The Lua scripts in <c>Scripts/*.lua</c>, embedded as resources so they are reviewed and diffed as Lua. Each runs
/// atomically on the Redis that owns its keys; StackExchange.Redis sends <c>EVALSHA</c> once a script is cached.
/// </summary>
internal static class RedisScripts
{
    /// <summary>History append + delivery + idempotency record, atomically.</summary>
    public static string Publish { get; } = Load("stream_epoch") + Load("publish");

    /// <summary>Delivery without history, suppressed by an idempotency key.</summary>
    public static string PublishIdempotent { get; } = Load("publish_idempotent");

    /// <summary>Stream position and a range of history.</summary>
    public static string History { get; } = Load("stream_epoch") + Load("history");

    /// <summary>Adds or refreshes a presence entry.</summary>
    public static string PresenceAdd { get; } = Load("presence_add");

    /// <summary>Removes a presence entry.</summary>
    public static string PresenceRemove { get; } = Load("presence_remove");

    /// <summary>Live presence entries.</summary>
    public static string PresenceGet { get; } = Load("presence_get");

    /// <summary>Live presence counts (user mapping).</summary>
    public static string PresenceStats { get; } = Load("presence_stats");

    private static string Load(string name)
    {
        var resource = $"Gyre.Redis.Scripts.{name}.lua";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded script '{resource}' is missing; check the EmbeddedResource item in Gyre.Redis.csproj.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
