namespace Gyre.Core.Errors;

/// <summary>
/// An error reply code of the client protocol (Centrifugo's catalog). 0–399 belong to the server library,
/// 400–1999 to applications; SDKs treat codes below 100 as client-local, so the server never sends them.
/// </summary>
/// <remarks>
/// <see cref="Temporary"/> tells the SDK to retry: centrifuge-js reconnects or resubscribes with backoff on a
/// temporary error and gives up on any other, so transient server faults must use 100 or 111.
/// </remarks>
public sealed class ClientError
{
    private ClientError(uint code, string message, bool temporary = false)
    {
        Code = code;
        Message = message;
        Temporary = temporary;
    }

    /// <summary>The numeric code sent to clients.</summary>
    public uint Code { get; }

    /// <summary>The message sent to clients.</summary>
    public string Message { get; }

    /// <summary>Retry hint for SDKs.</summary>
    public bool Temporary { get; }

    /// <summary>100: a server fault; temporary, so SDKs retry.</summary>
    public static ClientError Internal { get; } = new(100, "internal server error", temporary: true);

    /// <summary>101.</summary>
    public static ClientError Unauthorized { get; } = new(101, "unauthorized");

    /// <summary>102: the channel's namespace is not configured.</summary>
    public static ClientError UnknownChannel { get; } = new(102, "unknown channel");

    /// <summary>103.</summary>
    public static ClientError PermissionDenied { get; } = new(103, "permission denied");

    /// <summary>104: unknown RPC method.</summary>
    public static ClientError MethodNotFound { get; } = new(104, "method not found");

    /// <summary>105: one subscription per channel per connection.</summary>
    public static ClientError AlreadySubscribed { get; } = new(105, "already subscribed");

    /// <summary>106: e.g. <c>client.channel_limit</c>.</summary>
    public static ClientError LimitExceeded { get; } = new(106, "limit exceeded");

    /// <summary>107: a malformed but non-fatal request.</summary>
    public static ClientError BadRequest { get; } = new(107, "bad request");

    /// <summary>108: the feature is off for this channel (history, presence) or has no handler.</summary>
    public static ClientError NotAvailable { get; } = new(108, "not available");

    /// <summary>109: SDKs fetch a new token and retry.</summary>
    public static ClientError TokenExpired { get; } = new(109, "token expired");

    /// <summary>110.</summary>
    public static ClientError Expired { get; } = new(110, "expired");

    /// <summary>111: rate limited; temporary.</summary>
    public static ClientError TooManyRequests { get; } = new(111, "too many requests", temporary: true);

    /// <summary>112: history position not in the stream.</summary>
    public static ClientError UnrecoverablePosition { get; } = new(112, "unrecoverable position");

    /// <inheritdoc/>
    public override string ToString() => $"{Code}: {Message}";
}
