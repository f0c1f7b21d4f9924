using System.Text.Json.Nodes;
using Gyre.Core.Channels;

namespace Gyre.Server.Configuration;

/// <summary><c>channel.*</c>: channel name rules, options for channels without namespace, and namespaces.</summary>
public sealed class ChannelConfig
{
    private static readonly ChannelsOptions Defaults = ChannelsOptions.Default;

    /// <summary><c>channel.proxy</c> (default subscribe/publish/… proxies): not supported yet.</summary>
    public JsonNode? Proxy { get; set; }

    /// <summary><c>channel.without_namespace</c>: options of channels without a namespace. Default: nothing allowed.</summary>
    public ChannelOptionsConfig WithoutNamespace { get; set; } = new();

    /// <summary><c>channel.namespaces</c>: names match <c>^[-a-zA-Z0-9_.]{2,}$</c> and are unique.</summary>
    public List<ChannelNamespaceConfig> Namespaces { get; set; } = [];

    /// <summary><c>channel.history_meta_ttl</c>, default 720 h; whole seconds only.</summary>
    public TimeSpan HistoryMetaTtl { get; set; } = Defaults.HistoryMetaTtl;

    /// <summary><c>channel.publication_data_format</c>: <c>""</c>, <c>json</c>, <c>json_object</c> or <c>binary</c>. Kept, not used yet.</summary>
    public string PublicationDataFormat { get; set; } = "";

    /// <summary><c>channel.max_length</c>, default 255 bytes.</summary>
    public int MaxLength { get; set; } = Defaults.MaxLength;

    /// <summary><c>channel.private_prefix</c>, default <c>$</c>.</summary>
    public string PrivatePrefix { get; set; } = Defaults.PrivatePrefix;

    /// <summary><c>channel.namespace_boundary</c>, default <c>:</c>.</summary>
    public string NamespaceBoundary { get; set; } = Defaults.NamespaceBoundary;

    /// <summary><c>channel.user_boundary</c>, default <c>#</c>.</summary>
    public string UserBoundary { get; set; } = Defaults.UserBoundary;

    /// <summary><c>channel.user_separator</c>, default <c>,</c>.</summary>
    public string UserSeparator { get; set; } = Defaults.UserSeparator;
}

/// <summary>One <c>channel.namespaces[]</c> item: a name plus channel options.</summary>
public sealed class ChannelNamespaceConfig : ChannelOptionsConfig
{
    /// <summary><c>name</c>: channels <c>name:…</c> use these options.</summary>
    public string Name { get; set; } = "";
}

/// <summary>
/// Centrifugo's <c>ChannelOptions</c> (namespace keys), every key of the v6 reference. Unknown keys are errors
/// (<see cref="RejectUnknownKeysAttribute"/>). Keys that <see cref="ChannelOptions"/> has are mapped; the rest are
/// kept for the features that will use them.
/// </summary>
[RejectUnknownKeys]
public class ChannelOptionsConfig
{
    /// <summary><c>presence</c>.</summary>
    public bool Presence { get; set; }

    /// <summary><c>join_leave</c>.</summary>
    public bool JoinLeave { get; set; }

    /// <summary><c>force_push_join_leave</c>.</summary>
    public bool ForcePushJoinLeave { get; set; }

    /// <summary><c>history_size</c>: publications kept; set together with <see cref="HistoryTtl"/>.</summary>
    public int HistorySize { get; set; }

    /// <summary><c>history_ttl</c>: whole seconds, not above the effective <c>history_meta_ttl</c>.</summary>
    public TimeSpan HistoryTtl { get; set; }

    /// <summary><c>history_meta_ttl</c>: zero means <c>channel.history_meta_ttl</c>.</summary>
    public TimeSpan HistoryMetaTtl { get; set; }

    /// <summary><c>force_positioning</c>.</summary>
    public bool ForcePositioning { get; set; }

    /// <summary><c>allow_positioning</c>.</summary>
    public bool AllowPositioning { get; set; }

    /// <summary><c>force_recovery</c>: needs history.</summary>
    public bool ForceRecovery { get; set; }

    /// <summary><c>allow_recovery</c>.</summary>
    public bool AllowRecovery { get; set; }

    /// <summary><c>force_recovery_mode</c>: <c>""</c>/<c>stream</c> or <c>cache</c>. Kept, not used yet.</summary>
    public string ForceRecoveryMode { get; set; } = "";

    /// <summary><c>auto_cache_recover</c>: needs force_recovery and cache mode. Kept, not used yet.</summary>
    public bool AutoCacheRecover { get; set; }

    /// <summary><c>allowed_delta_types</c>: only <c>fossil</c>. Kept, not used yet.</summary>
    public List<string> AllowedDeltaTypes { get; set; } = [];

    /// <summary><c>delta_publish</c>. Kept, not used yet.</summary>
    public bool DeltaPublish { get; set; }

    /// <summary><c>allow_tags_filter</c>. Kept, not used yet.</summary>
    public bool AllowTagsFilter { get; set; }

    /// <summary><c>allow_subscribe_for_client</c>.</summary>
    public bool AllowSubscribeForClient { get; set; }

    /// <summary><c>allow_subscribe_for_anonymous</c>.</summary>
    public bool AllowSubscribeForAnonymous { get; set; }

    /// <summary><c>allow_publish_for_client</c>.</summary>
    public bool AllowPublishForClient { get; set; }

    /// <summary><c>allow_publish_for_subscriber</c>.</summary>
    public bool AllowPublishForSubscriber { get; set; }

    /// <summary><c>allow_publish_for_anonymous</c>.</summary>
    public bool AllowPublishForAnonymous { get; set; }

    /// <summary><c>allow_presence_for_client</c>.</summary>
    public bool AllowPresenceForClient { get; set; }

    /// <summary><c>allow_presence_for_subscriber</c>.</summary>
    public bool AllowPresenceForSubscriber { get; set; }

    /// <summary><c>allow_presence_for_anonymous</c>.</summary>
    public bool AllowPresenceForAnonymous { get; set; }

    /// <summary><c>allow_history_for_client</c>.</summary>
    public bool AllowHistoryForClient { get; set; }

    /// <summary><c>allow_history_for_subscriber</c>.</summary>
    public bool AllowHistoryForSubscriber { get; set; }

    /// <summary><c>allow_history_for_anonymous</c>.</summary>
    public bool AllowHistoryForAnonymous { get; set; }

    /// <summary><c>allow_user_limited_channels</c>.</summary>
    public bool AllowUserLimitedChannels { get; set; }

    /// <summary><c>channel_regex</c>: the part after the namespace must match (else error 107); without it, names must be ASCII.</summary>
    public string ChannelRegex { get; set; } = "";

    /// <summary><c>publication_data_format</c>: overrides the global one. Kept, not used yet.</summary>
    public string PublicationDataFormat { get; set; } = "";

    /// <summary><c>subscribe_proxy_enabled</c>. Kept, not used yet.</summary>
    public bool SubscribeProxyEnabled { get; set; }

    /// <summary><c>subscribe_proxy_name</c>, default <c>default</c>. Kept, not used yet.</summary>
    public string SubscribeProxyName { get; set; } = DefaultProxyName;

    /// <summary><c>publish_proxy_enabled</c>. Kept, not used yet.</summary>
    public bool PublishProxyEnabled { get; set; }

    /// <summary><c>publish_proxy_name</c>, default <c>default</c>. Kept, not used yet.</summary>
    public string PublishProxyName { get; set; } = DefaultProxyName;

    /// <summary><c>sub_refresh_proxy_enabled</c>. Kept, not used yet.</summary>
    public bool SubRefreshProxyEnabled { get; set; }

    /// <summary><c>sub_refresh_proxy_name</c>, default <c>default</c>. Kept, not used yet.</summary>
    public string SubRefreshProxyName { get; set; } = DefaultProxyName;

    /// <summary><c>subscribe_stream_proxy_enabled</c>. Kept, not used yet.</summary>
    public bool SubscribeStreamProxyEnabled { get; set; }

    /// <summary><c>subscribe_stream_proxy_name</c>, default <c>default</c>. Kept, not used yet.</summary>
    public string SubscribeStreamProxyName { get; set; } = DefaultProxyName;

    /// <summary><c>subscribe_stream_proxy_bidirectional</c>. Kept, not used yet.</summary>
    public bool SubscribeStreamProxyBidirectional { get; set; }

    /// <summary><c>subscription_type</c>: <c>""</c>/<c>stream</c>, <c>map</c>, <c>map_clients</c>, <c>map_users</c>, <c>shared_poll</c>. Kept, not used yet.</summary>
    public string SubscriptionType { get; set; } = "";

    /// <summary><c>map</c>: map subscription options. Kept, not used yet.</summary>
    public MapConfig Map { get; set; } = new();

    /// <summary><c>map_clients_presence_channel_prefix</c>. Kept, not used yet.</summary>
    public string MapClientsPresenceChannelPrefix { get; set; } = "";

    /// <summary><c>map_users_presence_channel_prefix</c>. Kept, not used yet.</summary>
    public string MapUsersPresenceChannelPrefix { get; set; } = "";

    /// <summary><c>shared_poll</c>: shared poll subscription options. Kept, not used yet.</summary>
    public SharedPollConfig SharedPoll { get; set; } = new();

    /// <summary>The proxy name every <c>*_proxy_name</c> key defaults to.</summary>
    internal const string DefaultProxyName = "default";
}

/// <summary>Namespace <c>map.*</c> (map subscriptions, experimental in Centrifugo). Kept, not used yet.</summary>
[RejectUnknownKeys]
public sealed class MapConfig
{
    /// <summary><c>mode</c>: <c>ephemeral</c>, <c>recoverable</c> or <c>persistent</c>.</summary>
    public string Mode { get; set; } = "";

    /// <summary><c>key_ttl</c>.</summary>
    public TimeSpan KeyTtl { get; set; }

    /// <summary><c>stream_size</c>.</summary>
    public int StreamSize { get; set; }

    /// <summary><c>stream_ttl</c>.</summary>
    public TimeSpan StreamTtl { get; set; }

    /// <summary><c>meta_ttl</c>.</summary>
    public TimeSpan MetaTtl { get; set; }

    /// <summary><c>remove_client_on_unsubscribe</c>.</summary>
    public bool RemoveClientOnUnsubscribe { get; set; }

    /// <summary><c>client_key</c>: <c>client_id</c> or <c>user_id</c>.</summary>
    public string ClientKey { get; set; } = "";

    /// <summary><c>allow_publish_for_client</c>.</summary>
    public bool AllowPublishForClient { get; set; }

    /// <summary><c>allow_publish_for_subscriber</c>.</summary>
    public bool AllowPublishForSubscriber { get; set; }

    /// <summary><c>allow_publish_for_anonymous</c>.</summary>
    public bool AllowPublishForAnonymous { get; set; }

    /// <summary><c>allow_remove_for_client</c>.</summary>
    public bool AllowRemoveForClient { get; set; }

    /// <summary><c>allow_remove_for_subscriber</c>.</summary>
    public bool AllowRemoveForSubscriber { get; set; }

    /// <summary><c>allow_remove_for_anonymous</c>.</summary>
    public bool AllowRemoveForAnonymous { get; set; }

    /// <summary><c>publish_proxy_enabled</c>.</summary>
    public bool PublishProxyEnabled { get; set; }

    /// <summary><c>publish_proxy_name</c>, default <c>default</c>.</summary>
    public string PublishProxyName { get; set; } = ChannelOptionsConfig.DefaultProxyName;

    /// <summary><c>remove_proxy_enabled</c>.</summary>
    public bool RemoveProxyEnabled { get; set; }

    /// <summary><c>remove_proxy_name</c>, default <c>default</c>.</summary>
    public string RemoveProxyName { get; set; } = ChannelOptionsConfig.DefaultProxyName;

    /// <summary><c>default_page_size</c>.</summary>
    public int DefaultPageSize { get; set; }

    /// <summary><c>min_page_size</c>.</summary>
    public int MinPageSize { get; set; }

    /// <summary><c>max_page_size</c>.</summary>
    public int MaxPageSize { get; set; }

    /// <summary><c>live_transition_max_publication_limit</c>.</summary>
    public int LiveTransitionMaxPublicationLimit { get; set; }

    /// <summary><c>subscribe_catch_up_timeout</c>.</summary>
    public TimeSpan SubscribeCatchUpTimeout { get; set; }
}

/// <summary>Namespace <c>shared_poll.*</c> (shared poll subscriptions). Kept, not used yet.</summary>
[RejectUnknownKeys]
public sealed class SharedPollConfig
{
    /// <summary><c>proxy_name</c>.</summary>
    public string ProxyName { get; set; } = "";

    /// <summary><c>refresh_interval</c>.</summary>
    public TimeSpan RefreshInterval { get; set; }

    /// <summary><c>refresh_batch_size</c>.</summary>
    public int RefreshBatchSize { get; set; }

    /// <summary><c>max_keys_per_connection</c>.</summary>
    public int MaxKeysPerConnection { get; set; }

    /// <summary><c>mode</c>: <c>versionless</c> or <c>versioned</c>.</summary>
    public string Mode { get; set; } = "";

    /// <summary><c>channel_shutdown_delay</c>.</summary>
    public TimeSpan ChannelShutdownDelay { get; set; }

    /// <summary><c>track_expired_extra_delay</c>.</summary>
    public TimeSpan TrackExpiredExtraDelay { get; set; }

    /// <summary><c>publish_enabled</c>.</summary>
    public bool PublishEnabled { get; set; }
}
