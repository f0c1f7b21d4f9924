namespace Gyre.Core.Channels;

/// <summary>
/// Options of one channel namespace (or of channels without namespace), Centrifugo's <c>ChannelOptions</c>.
/// All default to false/zero: a channel allows nothing until configured.
/// </summary>
public sealed record ChannelOptions
{
    /// <summary>Nothing allowed, no presence, no history.</summary>
    public static ChannelOptions Default { get; } = new();

    /// <summary><c>presence</c>: keep presence information for subscribers.</summary>
    public bool Presence { get; init; }

    /// <summary><c>join_leave</c>: emit join and leave messages.</summary>
    public bool JoinLeave { get; init; }

    /// <summary><c>force_push_join_leave</c>: push join/leave to every subscriber without asking.</summary>
    public bool ForcePushJoinLeave { get; init; }

    /// <summary><c>history_size</c>: publications kept per channel; 0 disables history. Set together with <see cref="HistoryTtl"/>.</summary>
    public int HistorySize { get; init; }

    /// <summary><c>history_ttl</c>: how long publications stay in history; zero disables history.</summary>
    public TimeSpan HistoryTtl { get; init; }

    /// <summary><c>history_meta_ttl</c>: how long a stream's epoch and offset survive without publications; zero means the global default (720 h).</summary>
    public TimeSpan HistoryMetaTtl { get; init; }

    /// <summary><c>force_positioning</c>.</summary>
    public bool ForcePositioning { get; init; }

    /// <summary><c>allow_positioning</c>.</summary>
    public bool AllowPositioning { get; init; }

    /// <summary><c>force_recovery</c>.</summary>
    public bool ForceRecovery { get; init; }

    /// <summary><c>allow_recovery</c>.</summary>
    public bool AllowRecovery { get; init; }

    /// <summary><c>force_recovery_mode</c>: how recovery reads history. Default <see cref="RecoveryMode.Stream"/>.</summary>
    public RecoveryMode RecoveryMode { get; init; }

    /// <summary>
    /// <c>auto_cache_recover</c> (Centrifugo 6.8.3): in cache mode, every subscribe behaves as if the client asked
    /// to recover, so even clients without a stored position receive the latest publication.
    /// </summary>
    public bool AutoCacheRecover { get; init; }

    /// <summary><c>allowed_delta_types</c> contains <c>fossil</c>: subscribers may negotiate fossil delta compression.</summary>
    public bool FossilDeltaAllowed { get; init; }

    /// <summary><c>delta_publish</c>: every publication is sent as a delta to subscribers that negotiated it.</summary>
    public bool DeltaPublish { get; init; }

    /// <summary><c>allow_tags_filter</c>: subscribers may filter publications by tags (<c>tf</c>).</summary>
    public bool AllowTagsFilter { get; init; }

    /// <summary><c>allow_subscribe_for_client</c>: authenticated clients may subscribe.</summary>
    public bool AllowSubscribeForClient { get; init; }

    /// <summary><c>allow_subscribe_for_anonymous</c>: anonymous clients may subscribe (with <see cref="AllowSubscribeForClient"/>).</summary>
    public bool AllowSubscribeForAnonymous { get; init; }

    /// <summary><c>allow_publish_for_client</c>: any authenticated client may publish.</summary>
    public bool AllowPublishForClient { get; init; }

    /// <summary><c>allow_publish_for_subscriber</c>: clients subscribed to the channel may publish.</summary>
    public bool AllowPublishForSubscriber { get; init; }

    /// <summary><c>allow_publish_for_anonymous</c>: anonymous clients may publish (with one of the two above).</summary>
    public bool AllowPublishForAnonymous { get; init; }

    /// <summary><c>allow_presence_for_client</c>.</summary>
    public bool AllowPresenceForClient { get; init; }

    /// <summary><c>allow_presence_for_subscriber</c>.</summary>
    public bool AllowPresenceForSubscriber { get; init; }

    /// <summary><c>allow_presence_for_anonymous</c>.</summary>
    public bool AllowPresenceForAnonymous { get; init; }

    /// <summary><c>allow_history_for_client</c>.</summary>
    public bool AllowHistoryForClient { get; init; }

    /// <summary><c>allow_history_for_subscriber</c>.</summary>
    public bool AllowHistoryForSubscriber { get; init; }

    /// <summary><c>allow_history_for_anonymous</c>.</summary>
    public bool AllowHistoryForAnonymous { get; init; }

    /// <summary><c>allow_user_limited_channels</c>: <c>name#u1,u2</c> channels admit only the listed users.</summary>
    public bool AllowUserLimitedChannels { get; init; }

    /// <summary>
    /// <c>channel_regex</c>: the part of a channel name after the namespace boundary (the whole name without a
    /// namespace) must match this regex (Go syntax, unanchored, so anchor it yourself); a mismatch is error 107.
    /// Empty: the name must be ASCII instead.
    /// </summary>
    public string ChannelRegex { get; init; } = "";

    /// <summary>History is on when both size and TTL are set, as in Centrifugo.</summary>
    public bool HistoryEnabled => HistorySize > 0 && HistoryTtl > TimeSpan.Zero;
}

/// <summary>How a recovering subscribe uses history (<c>force_recovery_mode</c>).</summary>
public enum RecoveryMode
{
    /// <summary>Deliver every missed publication since the client's offset (up to the recovery limit).</summary>
    Stream = 0,

    /// <summary>Deliver only the latest publication: the channel is a cache of current state.</summary>
    Cache = 1,
}

/// <summary>A named namespace: channels <c>name:…</c> use these options.</summary>
/// <param name="Name">Namespace name, matching <c>^[-a-zA-Z0-9_.]{2,}$</c>.</param>
/// <param name="Options">Its options.</param>
public sealed record ChannelNamespace(string Name, ChannelOptions Options);
