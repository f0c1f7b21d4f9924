using Gyre.Core.Channels;

namespace Gyre.Core.Auth;

/// <summary>The claims of a verified connection token that Gyre acts on.</summary>
public sealed record ConnectionToken
{
    /// <summary>The <c>sub</c> claim (or the <c>user_id_claim</c>); empty for an anonymous token.</summary>
    public string UserId { get; init; } = "";

    /// <summary>
    /// When the connection expires, in Unix seconds; 0 = never. <c>expire_at</c> when present (its 0 meaning never),
    /// otherwise <c>exp</c>.
    /// </summary>
    public long ExpireAt { get; init; }

    /// <summary>The <c>info</c> claim as raw JSON, or <c>b64info</c> decoded; empty when absent.</summary>
    public ReadOnlyMemory<byte> Info { get; init; }

    /// <summary>The <c>meta</c> claim as raw JSON: server-side only, never sent to clients.</summary>
    public ReadOnlyMemory<byte> Meta { get; init; }

    /// <summary>
    /// Server-side subscriptions: the <c>subs</c> map when it is not empty, otherwise the <c>channels</c> list (with
    /// no per-channel options). Each channel appears once.
    /// </summary>
    public IReadOnlyList<TokenSubscription> Subscriptions { get; init; } = [];
}

/// <summary>The claims of a verified subscription token.</summary>
public sealed record SubscriptionToken
{
    /// <summary>The <c>sub</c> claim (or the <c>user_id_claim</c>): must equal the connection's user.</summary>
    public string UserId { get; init; } = "";

    /// <summary>The <c>channel</c> claim: must equal the channel subscribed to. Never empty in a valid token.</summary>
    public string Channel { get; init; } = "";

    /// <summary>The deprecated <c>client</c> claim (Centrifugo v3): when set, must equal the connection's client ID.</summary>
    public string Client { get; init; } = "";

    /// <summary>When the subscription expires, in Unix seconds; 0 = never (<c>expire_at</c>, else <c>exp</c>).</summary>
    public long ExpireAt { get; init; }

    /// <summary>Channel info (<c>info</c>, or <c>b64info</c> decoded) and data and overrides for the subscription.</summary>
    public TokenSubscription Options { get; init; } = TokenSubscription.Empty;
}

/// <summary>One subscription granted by a token: a <c>subs</c> entry, a <c>channels</c> item, or a subscription token's options.</summary>
public sealed record TokenSubscription
{
    /// <summary>No info, data or overrides.</summary>
    public static TokenSubscription Empty { get; } = new();

    /// <summary>The channel (empty in a subscription token's options, whose channel is <see cref="SubscriptionToken.Channel"/>).</summary>
    public string Channel { get; init; } = "";

    /// <summary><c>info</c> (or <c>b64info</c> decoded): the subscriber's <c>chan_info</c> in presence, join/leave and publications.</summary>
    public ReadOnlyMemory<byte> Info { get; init; }

    /// <summary><c>data</c> (or <c>b64data</c> decoded): sent to the client in the subscribe result.</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary><c>override</c>: per-subscription replacements of five namespace options.</summary>
    public SubscribeOverride Override { get; init; }
}

/// <summary>
/// The <c>override</c> claim: <c>{"presence":{"value":true}, …}</c>. Each present value replaces the namespace's option
/// for this one subscription; an absent one keeps it.
/// </summary>
/// <param name="Presence"><c>presence</c>.</param>
/// <param name="JoinLeave"><c>join_leave</c>.</param>
/// <param name="ForcePushJoinLeave"><c>force_push_join_leave</c>.</param>
/// <param name="ForcePositioning"><c>force_positioning</c>.</param>
/// <param name="ForceRecovery"><c>force_recovery</c>.</param>
public readonly record struct SubscribeOverride(bool? Presence, bool? JoinLeave, bool? ForcePushJoinLeave, bool? ForcePositioning, bool? ForceRecovery)
{
    /// <summary>Whether no option is overridden.</summary>
    public bool IsEmpty => Presence is null && JoinLeave is null && ForcePushJoinLeave is null && ForcePositioning is null && ForceRecovery is null;

    /// <summary>The namespace options with the overridden values replaced.</summary>
    public ChannelOptions ApplyTo(ChannelOptions options) => IsEmpty
        ? options
        : options with
        {
            Presence = Presence ?? options.Presence,
            JoinLeave = JoinLeave ?? options.JoinLeave,
            ForcePushJoinLeave = ForcePushJoinLeave ?? options.ForcePushJoinLeave,
            ForcePositioning = ForcePositioning ?? options.ForcePositioning,
            ForceRecovery = ForceRecovery ?? options.ForceRecovery,
        };
}

/// <summary>Result of verifying a token.</summary>
public enum TokenStatus
{
    /// <summary>Signature and claims are good.</summary>
    Valid,

    /// <summary>Signature good, but <c>exp</c> is in the past or <c>nbf</c> in the future: error 109, the SDK fetches a new token.</summary>
    Expired,

    /// <summary>Malformed, unsupported algorithm, bad signature, wrong audience or issuer, or forbidden claim: 3500 (or 103 for a subscription).</summary>
    Invalid,
}

/// <summary>What verifying one token found.</summary>
/// <typeparam name="T"><see cref="ConnectionToken"/> or <see cref="SubscriptionToken"/>.</typeparam>
/// <param name="Status">The verdict.</param>
/// <param name="Token">The claims, when <paramref name="Status"/> is <see cref="TokenStatus.Valid"/>.</param>
/// <param name="Problem">Why an invalid token is invalid, for the log (never sent to the client).</param>
public readonly record struct TokenVerification<T>(TokenStatus Status, T? Token, string? Problem = null)
    where T : class
{
    internal static TokenVerification<T> Invalid(string problem) => new(TokenStatus.Invalid, null, problem);

    internal static TokenVerification<T> Expired { get; } = new(TokenStatus.Expired, null);
}
