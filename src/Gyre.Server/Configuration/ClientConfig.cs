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

    /// <summary><c>client.subscription_token</c>: a separate verifier for subscription tokens when <c>enabled</c>.</summary>
    public SubscriptionTokenConfig SubscriptionToken { get; set; } = new();

    /// <summary><c>client.allow_anonymous_connect_without_token</c>. Default false.</summary>
    public bool AllowAnonymousConnectWithoutToken { get; set; } = Defaults.AllowAnonymousConnectWithoutToken;

    /// <summary><c>client.disallow_anonymous_connection_tokens</c>: a token with an empty user disconnects with 3507. Default false.</summary>
    public bool DisallowAnonymousConnectionTokens { get; set; }

    /// <summary><c>client.ping_interval</c>, default 25 s; negative disables pings. Must exceed <see cref="PongTimeout"/>.</summary>
    public TimeSpan PingInterval { get; set; } = Defaults.PingInterval;

    /// <summary><c>client.pong_timeout</c>, default 8 s; negative disables the pong check.</summary>
    public TimeSpan PongTimeout { get; set; } = Defaults.PongTimeout;

    /// <summary><c>client.expired_close_delay</c>, default 25 s.</summary>
    public TimeSpan ExpiredCloseDelay { get; set; } = Defaults.ExpiredCloseDelay;

    /// <summary><c>client.expired_sub_close_delay</c>, default 25 s: grace after a subscription token expires.</summary>
    public TimeSpan ExpiredSubCloseDelay { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary><c>client.stale_close_delay</c>, default 10 s.</summary>
    public TimeSpan StaleCloseDelay { get; set; } = Defaults.StaleCloseDelay;

    /// <summary><c>client.channel_limit</c>, default 128 channels per connection.</summary>
    public int ChannelLimit { get; set; } = Defaults.ChannelLimit;

    /// <summary><c>client.queue_max_size</c>, default 1,048,576 bytes of queued outbound messages.</summary>
    public int QueueMaxSize { get; set; } = Defaults.QueueMaxSize;

    /// <summary>
    /// <c>client.max_messages_in_frame</c> (Gyre only): at most this many messages coalesced per transport frame. Zero
    /// (the default) or negative means no count limit, only the 64 KB frame budget (measured ~2× the broadcast rate
    /// of a cap of 16).
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

    /// <summary><c>client.connection_limit</c>, default 0 (unlimited): beyond it, connection endpoints answer 503.</summary>
    public int ConnectionLimit { get; set; }

    /// <summary><c>client.user_connection_limit</c>, default 0 (unlimited): a user's connections beyond it get 3504.</summary>
    public int UserConnectionLimit { get; set; }

    /// <summary><c>client.connection_rate_limit</c>, default 0 (unlimited): new connections per second; beyond it, 503.</summary>
    public int ConnectionRateLimit { get; set; }

    /// <summary><c>client.connect_include_server_time</c>. Default false.</summary>
    public bool ConnectIncludeServerTime { get; set; } = Defaults.ConnectIncludeServerTime;

    /// <summary><c>client.history_max_publication_limit</c>, default 300.</summary>
    public int HistoryMaxPublicationLimit { get; set; } = Defaults.HistoryMaxPublicationLimit;

    /// <summary><c>client.recovery_max_publication_limit</c>, default 300.</summary>
    public int RecoveryMaxPublicationLimit { get; set; } = 300;

    /// <summary><c>client.insecure_skip_token_signature_verify</c>: trust token claims without checking signatures. Testing only.</summary>
    public bool InsecureSkipTokenSignatureVerify { get; set; }

    /// <summary><c>client.user_id_http_header</c>. Kept, not used yet.</summary>
    public string UserIdHttpHeader { get; set; } = "";

    /// <summary><c>client.insecure</c>: accept everything. Development only. Default false.</summary>
    public bool Insecure { get; set; } = Defaults.Insecure;

    /// <summary><c>client.subscribe_to_user_personal_channel</c>: a server-side subscription to each user's personal channel.</summary>
    public PersonalChannelConfig SubscribeToUserPersonalChannel { get; set; } = new();

    /// <summary><c>client.connect_code_to_unidirectional_disconnect</c>: not supported yet.</summary>
    public JsonNode? ConnectCodeToUnidirectionalDisconnect { get; set; }
}

/// <summary><c>client.token.*</c>: how connection JWTs are verified.</summary>
public class TokenConfig
{
    /// <summary><c>hmac_secret_key</c>: HS256/384/512 key, the raw UTF-8 bytes of the string.</summary>
    public string HmacSecretKey { get; set; } = "";

    /// <summary><c>hmac_previous_secret_key</c>: the key being rotated out, tried when the current one fails.</summary>
    public string HmacPreviousSecretKey { get; set; } = "";

    /// <summary><c>hmac_previous_secret_key_valid_until</c>: Unix seconds after which the previous key is ignored; 0 = no limit.</summary>
    public long HmacPreviousSecretKeyValidUntil { get; set; }

    /// <summary><c>rsa_public_key</c>: PEM public key or certificate enabling RS256/384/512.</summary>
    public string RsaPublicKey { get; set; } = "";

    /// <summary><c>ecdsa_public_key</c>: PEM public key or certificate enabling the ES algorithm of its curve.</summary>
    public string EcdsaPublicKey { get; set; } = "";

    /// <summary><c>jwks_public_endpoint</c>: http(s) URL of a JSON Web Key Set; replaces the static keys.</summary>
    public string JwksPublicEndpoint { get; set; } = "";

    /// <summary><c>audience</c>: required member of the token's <c>aud</c>.</summary>
    public string Audience { get; set; } = "";

    /// <summary><c>audience_regex</c>: one of the token's audiences must match; named groups may fill JWKS placeholders.</summary>
    public string AudienceRegex { get; set; } = "";

    /// <summary><c>issuer</c>: required value of the token's <c>iss</c>.</summary>
    public string Issuer { get; set; } = "";

    /// <summary><c>issuer_regex</c>: the token's <c>iss</c> must match; named groups may fill JWKS placeholders.</summary>
    public string IssuerRegex { get; set; } = "";

    /// <summary><c>user_id_claim</c>: claim holding the user ID instead of <c>sub</c>. <c>gentoken</c> sets it too.</summary>
    public string UserIdClaim { get; set; } = "";

    /// <summary><c>insecure_skip_jwks_endpoint_safety_check</c>: allow JWKS placeholders filled by open-ended regex groups. Insecure.</summary>
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
