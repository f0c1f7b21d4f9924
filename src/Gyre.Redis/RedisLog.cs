using Microsoft.Extensions.Logging;

namespace Gyre.Redis;

/// <summary>Log messages of the Redis engine; event ids 2100–2199 are reserved for it.</summary>
internal static partial class RedisLog
{
    [LoggerMessage(2100, LogLevel.Information, "Redis broker started on {Shards} shard(s) as node {NodeId}")]
    public static partial void BrokerStarted(ILogger logger, int shards, string nodeId);

    [LoggerMessage(2101, LogLevel.Warning, "Dropped a malformed PUB/SUB message on channel {Channel} ({Length} bytes)")]
    public static partial void MalformedMessage(ILogger logger, string channel, int length);

    [LoggerMessage(2102, LogLevel.Error, "The broker event handler failed on channel {Channel}")]
    public static partial void HandlerFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(2103, LogLevel.Warning, "Unsubscribing from channel {Channel} failed; Redis drops the subscription when the connection closes")]
    public static partial void UnsubscribeFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(2104, LogLevel.Warning, "Redis connection to {EndPoint} lost ({FailureType}); publishes fail until it is restored")]
    public static partial void ConnectionFailed(ILogger logger, string endPoint, string failureType, Exception? exception);

    [LoggerMessage(2105, LogLevel.Information, "Redis connection to {EndPoint} restored; subscriptions are renewed")]
    public static partial void ConnectionRestored(ILogger logger, string endPoint);
}
