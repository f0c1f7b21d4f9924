namespace Gyre.Core.Auth;

/// <summary>The claims of a verified connection token that Gyre acts on.</summary>
/// <param name="UserId">The <c>sub</c> claim; empty for an anonymous token.</param>
/// <param name="ExpiresAt">The <c>exp</c> claim as unix seconds; null when the token never expires.</param>
/// <param name="Info">The <c>info</c> claim as raw JSON (or <c>b64info</c> decoded); empty when absent.</param>
/// <param name="Channels">The <c>channels</c> claim: server-side subscriptions.</param>
public sealed record ConnectionToken(string UserId, long? ExpiresAt, ReadOnlyMemory<byte> Info, IReadOnlyList<string> Channels);

/// <summary>Result of verifying a token.</summary>
public enum TokenStatus
{
    /// <summary>Signature and claims are good.</summary>
    Valid,

    /// <summary>Signature good, but <c>exp</c> is in the past: error 109, the SDK fetches a new token.</summary>
    Expired,

    /// <summary>Malformed, unsupported algorithm, bad signature or forbidden claim: disconnect 3500.</summary>
    Invalid,
}
