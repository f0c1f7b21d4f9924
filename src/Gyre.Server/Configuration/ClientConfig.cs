using System.Text.Json.Nodes;
using Gyre.Core;

namespace Gyre.Server.Configuration;

/// <summary>
/// <c>client.*</c>: real-time connection behaviour. Keys mapped onto <see cref="ClientOptions"/> take their defaults
/// from it; the others are kept with Centrifugo's defaults for the features that will use them.
/// </summary>
public sealed class ClientConfig
{
    private static readonly ClientOptions Defaults = ClientOptions.Default;

    /// <summary><c>client.proxy</c> (connect and refresh proxies): not supported yet.</summary>
    public JsonNode? Proxy { get; set; }

    /// <summary><c>client.allowed_origins</c>: glob patterns for the <c>Origin</c> header. Default empty: only requests without <c>Origin</c>.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary><c>client.token</c>: connection token verification.</summary>
    public TokenConfig Token { get; set; } = new();

    /// <summary><c>client.subscription_token</c>: a separate verifier for subscription tokens. Kept, not used yet.</summary>
    public SubscriptionTokenConfig SubscriptionToken { get; set; } = new();

    /// <summary><c>client.allow_anonymous_connect_without_token</c>. Default false.</summary>
    public bool AllowAnonymousConnectWithoutToken { get; set; } = Defaults.AllowAnonymousConnectWithoutToken;

    /// <summary><c>client.disallow_anonymous_connection_tokens</c>. Default false. Kept, not used yet.</summary>
    public bool DisallowAnonymousConnectionTokens { get; set; }

    /// <summary><c>client.ping_interval</c>, default 25 s; negative disables pings. Must exceed <see cref="PongTimeout"/>.</summary>
    public TimeSpan PingInterval { get; set; } = Defaults.PingInterval;

    /// <summary><c>client.pong_timeout</c>, default 8 s; negative disables the pong check.</summary>
    public TimeSpan PongTimeout { get; set; } = Defaults.PongTimeout;

    /// <summary><c>client.expired_close_delay</c>, default 25 s.</summary>
    public TimeSpan ExpiredCloseDelay { get; set; } = Defaults.ExpiredCloseDelay;

    /// <summary><c>client.expired_sub_close_delay</c>, default 25 s. Kept, not used yet.</summary>
    public TimeSpan ExpiredSubCloseDelay { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary><c>client.stale_close_delay</c>, default 10 s.</summary>
    public TimeSpan StaleCloseDelay { get; set; } = Defaults.StaleCloseDelay;

    /// <summary><c>client.channel_limit</c>, default 128 channels per connection.</summary>
    public int ChannelLimit { get; set; } = Defaults.ChannelLimit;

    /// <summary><c>client.queue_max_size</c>, default 1,048,576 bytes of queued outbound messages.</summary>
    public int QueueMaxSize { get; set; } = Defaults.QueueMaxSize;

    /// <summary>
    /// <c>client.max_messages_in_frame</c> (Gyre only), default 16 messages coalesced per transport frame; negative
    /// means unlimited (zero means the default, as for every Centrifugo option with a non-zero default).
    /// </summary>
    public int MaxMessagesInFrame { get; set; } = Defaults.MaxMessagesInFrame;

    /// <summary><c>client.presence_update_interval</c>, default 27 s.</summary>
    public TimeSpan PresenceUpdateInterval { get; set; } = Defaults.PresenceUpdateInterval;

    /// <summary><c>client.concurrency</c>, default 0 (sequential command processing). Kept, not used yet.</summary>
    public int Concurrency { get; set; }

    /// <summary><c>client.channel_position_check_delay</c>, default 40 s. Kept, not used yet.</summary>
    public TimeSpan ChannelPositionCheckDelay { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary><c>client.channel_position_max_time_lag</c>, default 0. Kept, not used yet.</summary>
    public TimeSpan ChannelPositionMaxTimeLag { get; set; }

    /// <summary><c>client.connection_limit</c>, default 0 (unlimited). Kept, not used yet.</summary>
    public int ConnectionLimit { get; set; }

    /// <summary><c>client.user_connection_limit</c>, default 0 (unlimited). Kept, not used yet.</summary>
    public int UserConnectionLimit { get; set; }

    /// <summary><c>client.connection_rate_limit</c>, default 0 (unlimited). Kept, not used yet.</summary>
    public int ConnectionRateLimit { get; set; }

    /// <summary><c>client.connect_include_server_time</c>. Default false.</summary>
    public bool ConnectIncludeServerTime { get; set; } = Defaults.ConnectIncludeServerTime;

    /// <summary><c>client.history_max_publication_limit</c>, default 300.</summary>
    public int HistoryMaxPublicationLimit { get; set; } = Defaults.HistoryMaxPublicationLimit;

    /// <summary><c>client.recovery_max_publication_limit</c>, default 300.</summary>
    public int RecoveryMaxPublicationLimit { get; set; } = 300;

    /// <summary><c>client.insecure_skip_token_signature_verify</c>. Kept, not used yet.</summary>
    public bool InsecureSkipTokenSignatureVerify { get; set; }

    /// <summary><c>client.user_id_http_header</c>. Kept, not used yet.</summary>
    public string UserIdHttpHeader { get; set; } = "";

    /// <summary><c>client.insecure</c>: accept everything. Development only. Default false.</summary>
    public bool Insecure { get; set; } = Defaults.Insecure;

    /// <summary><c>client.subscribe_to_user_personal_channel</c>. Kept, not used yet.</summary>
    public PersonalChannelConfig SubscribeToUserPersonalChannel { get; set; } = new();

    /// <summary><c>client.connect_code_to_unidirectional_disconnect</c>: not supported yet.</summary>
    public JsonNode? ConnectCodeToUnidirectionalDisconnect { get; set; }
}

/// <summary><c>client.token.*</c>: how connection JWTs are verified.</summary>
public class TokenConfig
{
    /// <summary><c>hmac_secret_key</c>: HS256/384/512 key, the raw UTF-8 bytes of the string.</summary>
    public string HmacSecretKey { get; set; } = "";

    /// <summary><c>hmac_previous_secret_key</c>: the key being rotated out. Kept, not used yet.</summary>
    public string HmacPreviousSecretKey { get; set; } = "";

    /// <summary><c>hmac_previous_secret_key_valid_until</c>: Unix seconds; 0 = no limit. Kept, not used yet.</summary>
    public long HmacPreviousSecretKeyValidUntil { get; set; }

    /// <summary><c>rsa_public_key</c> (PEM). Kept, not used yet.</summary>
    public string RsaPublicKey { get; set; } = "";

    /// <summary><c>ecdsa_public_key</c> (PEM). Kept, not used yet.</summary>
    public string EcdsaPublicKey { get; set; } = "";

    /// <summary><c>jwks_public_endpoint</c>. Kept, not used yet.</summary>
    public string JwksPublicEndpoint { get; set; } = "";

    /// <summary><c>audience</c>. Kept, not used yet.</summary>
    public string Audience { get; set; } = "";

    /// <summary><c>audience_regex</c>. Kept, not used yet.</summary>
    public string AudienceRegex { get; set; } = "";

    /// <summary><c>issuer</c>. Kept, not used yet.</summary>
    public string Issuer { get; set; } = "";

    /// <summary><c>issuer_regex</c>. Kept, not used yet.</summary>
    public string IssuerRegex { get; set; } = "";

    /// <summary><c>user_id_claim</c>: claim holding the user ID instead of <c>sub</c>. <c>gentoken</c> sets it too.</summary>
    public string UserIdClaim { get; set; } = "";

    /// <summary><c>insecure_skip_jwks_endpoint_safety_check</c>. Kept, not used yet.</summary>
    public bool InsecureSkipJwksEndpointSafetyCheck { get; set; }
}

/// <summary><c>client.subscription_token.*</c>: the token keys plus <c>enabled</c>.</summary>
public sealed class SubscriptionTokenConfig : TokenConfig
{
    /// <summary><c>enabled</c>: verify subscription tokens with these keys instead of <c>client.token</c>.</summary>
    public bool Enabled { get; set; }
}

/// <summary><c>client.subscribe_to_user_personal_channel.*</c>.</summary>
public sealed class PersonalChannelConfig
{
    /// <summary><c>enabled</c>.</summary>
    public bool Enabled { get; set; }

    /// <summary><c>personal_channel_namespace</c>.</summary>
    public string PersonalChannelNamespace { get; set; } = "";

    /// <summary><c>single_connection</c>.</summary>
    public bool SingleConnection { get; set; }
}
