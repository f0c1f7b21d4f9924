namespace Gyre.Core;

/// <summary>Per-connection behaviour (Centrifugo <c>client.*</c>). Every default is Centrifugo v6's.</summary>
public sealed record ClientOptions
{
    /// <summary>Defaults identical to Centrifugo v6.</summary>
    public static ClientOptions Default { get; } = new();

    /// <summary>
    /// <c>client.ping_interval</c>, default 25 s. The server sends an empty reply this often; clients treat
    /// 25 s + 10 s of silence as a dead link. Zero or negative disables pings (and pong checks).
    /// </summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// <c>client.pong_timeout</c>, default 8 s: after a ping, a client that has not answered within this
    /// time is disconnected with 3012. Must be shorter than <see cref="PingInterval"/>; zero or negative disables the check.
    /// </summary>
    public TimeSpan PongTimeout { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary><c>client.stale_close_delay</c>, default 10 s: a transport without a successful connect by then is closed with 3502.</summary>
    public TimeSpan StaleCloseDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary><c>client.expired_close_delay</c>, default 25 s: grace after connection expiry before 3005.</summary>
    public TimeSpan ExpiredCloseDelay { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// <c>client.queue_max_size</c>, default 1,048,576 bytes: the bound of a connection's outbound queue.
    /// A message that would push the queue past it disconnects the client with 3008 (slow) instead of growing memory.
    /// </summary>
    public int QueueMaxSize { get; init; } = 1_048_576;

    /// <summary>
    /// <c>client.max_messages_in_frame</c>: how many queued messages the writer coalesces into one transport frame.
    /// Zero or negative (the default) means no count limit: the writer drains everything queued, up to 64 KB per
    /// frame (<see cref="ClientWriter.MaxCoalescedFrameBytes"/>). One loopback write costs ~5 µs of CPU, so at
    /// saturation the frame size sets the cost per delivery: with 1,000 subscribers on one pinned core a cap of 16
    /// held broadcast at ~0.4–0.65M deliveries/s, draining to 64 KB reached ~1.2M.
    /// </summary>
    public int MaxMessagesInFrame { get; init; }

    /// <summary><c>client.channel_limit</c>, default 128 channels per connection (error 106 beyond).</summary>
    public int ChannelLimit { get; init; } = 128;

    /// <summary><c>client.insecure</c>: accept every connection, subscription and publication. Development only.</summary>
    public bool Insecure { get; init; }

    /// <summary><c>client.allow_anonymous_connect_without_token</c>: a connect without token becomes anonymous user "".</summary>
    public bool AllowAnonymousConnectWithoutToken { get; init; }

    /// <summary><c>client.history_max_publication_limit</c>, default 300.</summary>
    public int HistoryMaxPublicationLimit { get; init; } = 300;

    /// <summary>
    /// <c>client.recovery_max_publication_limit</c>, default 300: a recovery that would need more publications
    /// than this reports <c>recovered: false</c> instead (they all travel in one subscribe reply).
    /// </summary>
    public int RecoveryMaxPublicationLimit { get; init; } = 300;

    /// <summary><c>client.connect_include_server_time</c>: add server time (unix ms) to connect results.</summary>
    public bool ConnectIncludeServerTime { get; init; }

    /// <summary><c>client.presence_update_interval</c>, default 27 s: how often a connection refreshes its presence entries.</summary>
    public TimeSpan PresenceUpdateInterval { get; init; } = TimeSpan.FromSeconds(27);

    /// <summary>
    /// <c>client.expired_sub_close_delay</c>, default 25 s: grace after a subscription token's expiry for the client's
    /// <c>sub_refresh</c>. Past it, the subscription ends with unsubscribe push 2501 (the client resubscribes with a new
    /// token), or a server-side subscription closes the connection with 3006.
    /// </summary>
    public TimeSpan ExpiredSubCloseDelay { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary><c>client.disallow_anonymous_connection_tokens</c>: a connection token with an empty user disconnects with 3507.</summary>
    public bool DisallowAnonymousConnectionTokens { get; init; }

    /// <summary>
    /// <c>client.insecure_skip_token_signature_verify</c>: trust token claims without checking signatures. Testing only:
    /// anyone can then claim any user.
    /// </summary>
    public bool InsecureSkipTokenSignatureVerify { get; init; }

    /// <summary>
    /// <c>client.user_connection_limit</c>, default 0 (unlimited): a user's connections on this node beyond it are
    /// refused with 3504. Anonymous connections are not counted.
    /// </summary>
    public int UserConnectionLimit { get; init; }

    /// <summary>
    /// <c>client.connection_limit</c>, default 0 (unlimited): connections this node accepts. Transports answer HTTP 503
    /// before the upgrade once this many are open.
    /// </summary>
    public int ConnectionLimit { get; init; }

    /// <summary>
    /// <c>client.connection_rate_limit</c>, default 0 (unlimited): new connections per second this node accepts;
    /// transports answer HTTP 503 beyond it.
    /// </summary>
    public int ConnectionRateLimit { get; init; }

    /// <summary><c>client.subscribe_to_user_personal_channel</c>: a server-side subscription to each user's own channel.</summary>
    public PersonalChannelOptions SubscribeToUserPersonalChannel { get; init; } = PersonalChannelOptions.Default;
}

/// <summary>
/// <c>client.subscribe_to_user_personal_channel.*</c>: every authenticated connection is subscribed server-side to
/// <c>&lt;namespace&gt;&lt;namespace_boundary&gt;&lt;user_boundary&gt;&lt;user&gt;</c> (<c>personal:#42</c>, or <c>#42</c> without namespace).
/// </summary>
public sealed record PersonalChannelOptions
{
    /// <summary>Off.</summary>
    public static PersonalChannelOptions Default { get; } = new();

    /// <summary><c>enabled</c>. Default false.</summary>
    public bool Enabled { get; init; }

    /// <summary><c>personal_channel_namespace</c>: the namespace of personal channels; empty means channels without namespace.</summary>
    public string PersonalChannelNamespace { get; init; } = "";

    /// <summary>
    /// <c>single_connection</c>: a new connection of a user closes the user's other connections with 3504. Uses the
    /// presence of the personal channel, so its namespace needs <c>presence</c> (checked at startup).
    /// </summary>
    public bool SingleConnection { get; init; }
}
