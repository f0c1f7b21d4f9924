namespace Gyre.Core.Channels;

/// <summary>Channel layout (Centrifugo <c>channel.*</c>).</summary>
public sealed record ChannelsOptions
{
    /// <summary>Centrifugo defaults: nothing allowed without namespace, no namespaces.</summary>
    public static ChannelsOptions Default { get; } = new();

    /// <summary><c>channel.without_namespace</c>.</summary>
    public ChannelOptions WithoutNamespace { get; init; } = ChannelOptions.Default;

    /// <summary><c>channel.namespaces</c>.</summary>
    public IReadOnlyList<ChannelNamespace> Namespaces { get; init; } = [];

    /// <summary><c>channel.max_length</c>, default 255 bytes; longer names get error 107.</summary>
    public int MaxLength { get; init; } = 255;

    /// <summary><c>channel.private_prefix</c>, default <c>$</c>.</summary>
    public string PrivatePrefix { get; init; } = "$";

    /// <summary><c>channel.namespace_boundary</c>, default <c>:</c>.</summary>
    public string NamespaceBoundary { get; init; } = ":";

    /// <summary><c>channel.user_boundary</c>, default <c>#</c>.</summary>
    public string UserBoundary { get; init; } = "#";

    /// <summary><c>channel.user_separator</c>, default <c>,</c>.</summary>
    public string UserSeparator { get; init; } = ",";

    /// <summary><c>channel.history_meta_ttl</c>, default 720 h (30 days).</summary>
    public TimeSpan HistoryMetaTtl { get; init; } = TimeSpan.FromHours(720);
}
