using Microsoft.Extensions.Logging;

namespace Gyre.Core.Auth;

/// <summary>
/// Log messages of authentication and permissions. Event ids 100–119 belong to this class. Token problems are logged
/// at Information, as Centrifugo does: they are the first thing to look at when clients cannot connect, and they are
/// never sent to the client.
/// </summary>
internal static partial class AuthLog
{
    [LoggerMessage(100, LogLevel.Information, "client {ClientId}: invalid connection token: {Problem}")]
    public static partial void InvalidConnectionToken(ILogger logger, string clientId, string problem);

    [LoggerMessage(101, LogLevel.Information, "client {ClientId} (user '{UserId}'): invalid subscription token for channel {Channel}: {Problem}")]
    public static partial void InvalidSubscriptionToken(ILogger logger, string clientId, string userId, string channel, string problem);

    [LoggerMessage(102, LogLevel.Information, "client {ClientId} (user '{UserId}'): subscription token for channel {Channel} does not match: {Problem}")]
    public static partial void SubscriptionTokenMismatch(ILogger logger, string clientId, string userId, string channel, string problem);

    [LoggerMessage(103, LogLevel.Debug, "client {ClientId}: anonymous connection tokens are disallowed")]
    public static partial void AnonymousTokenRefused(ILogger logger, string clientId);

    [LoggerMessage(104, LogLevel.Information, "client {ClientId}: user '{UserId}' reached the limit of {Limit} connections")]
    public static partial void UserConnectionLimit(ILogger logger, string clientId, string userId, int limit);

    [LoggerMessage(105, LogLevel.Debug, "client {ClientId}: subscription to {Channel} expired without sub_refresh")]
    public static partial void SubscriptionExpired(ILogger logger, string clientId, string channel);

    [LoggerMessage(106, LogLevel.Information, "client {ClientId} (user '{UserId}'): refresh token is for user '{TokenUser}'")]
    public static partial void RefreshUserMismatch(ILogger logger, string clientId, string userId, string tokenUser);

    [LoggerMessage(107, LogLevel.Information, "client {ClientId} (user '{UserId}'): refreshed token changes server-side subscriptions, reconnecting it")]
    public static partial void TokenChannelsChanged(ILogger logger, string clientId, string userId);

    [LoggerMessage(108, LogLevel.Information, "client {ClientId} (user '{UserId}'): permission denied for channel {Channel}")]
    public static partial void SubscribePermissionDenied(ILogger logger, string clientId, string userId, string channel);

    [LoggerMessage(109, LogLevel.Information, "client {ClientId}: channel {Channel} from {Source} is in no configured namespace")]
    public static partial void UnknownServerSideChannel(ILogger logger, string clientId, string channel, string source);
}
