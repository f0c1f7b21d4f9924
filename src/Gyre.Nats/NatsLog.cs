using Microsoft.Extensions.Logging;

namespace Gyre.Nats;

/// <summary>Log messages of the NATS broker; event ids 2200–2299 are reserved for it.</summary>
internal static partial class NatsLog
{
    [LoggerMessage(2200, LogLevel.Information, "NATS broker connected to {Url} as node {NodeId}")]
    public static partial void BrokerStarted(ILogger logger, string url, string nodeId);

    [LoggerMessage(2201, LogLevel.Warning, "Dropped a malformed NATS message on subject {Subject} ({Length} bytes)")]
    public static partial void MalformedMessage(ILogger logger, string subject, long length);

    [LoggerMessage(2202, LogLevel.Error, "The broker event handler failed on subject {Subject}")]
    public static partial void HandlerFailed(ILogger logger, string subject, Exception exception);

    [LoggerMessage(2203, LogLevel.Warning, "NATS connection lost ({Message}); messages published meanwhile are not delivered to this node")]
    public static partial void Disconnected(ILogger logger, string message);

    [LoggerMessage(2204, LogLevel.Information, "NATS connection restored ({Message}); subscriptions are renewed")]
    public static partial void Reconnected(ILogger logger, string message);
}
