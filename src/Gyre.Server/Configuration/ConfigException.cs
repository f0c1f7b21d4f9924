namespace Gyre.Server.Configuration;

/// <summary>
/// Configuration that cannot be used: an unreadable file, a value of the wrong type, or a rule violation. The message
/// names the key path (<c>client.ping_interval</c>) and where the value came from (the config file, the environment
/// variable or the flag), so the operator can fix it without guessing; the server exits with code 1.
/// </summary>
public sealed class ConfigException : Exception
{
    /// <summary>Creates an error that is not about one key (for example an unreadable file).</summary>
    public ConfigException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an error that is not about one key, keeping the parser's exception.</summary>
    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an error about the value of <paramref name="keyPath"/>, taken from <paramref name="source"/>.</summary>
    internal ConfigException(string message, string keyPath, string source)
        : base(message)
    {
        KeyPath = keyPath;
        ValueSource = source;
    }

    /// <summary>The offending key, e.g. <c>channel.namespaces[0].history_ttl</c>; null when the error is not about one key.</summary>
    public string? KeyPath { get; }

    /// <summary>Where the offending value came from, e.g. <c>config file /etc/gyre/config.json</c>; null when not about one key.</summary>
    public string? ValueSource { get; }

    /// <summary>An error about one key: <c>{keyPath}: {problem} (from {source})</c>.</summary>
    internal static ConfigException ForKey(string keyPath, string source, string problem) =>
        new($"{keyPath}: {problem} (from {source})", keyPath, source);
}
