using Microsoft.Extensions.Logging;

namespace Gyre.Core.Diagnostics;

/// <summary>Log messages of the engine, generated once; event ids are stable for operators' filters.</summary>
internal static partial class CoreLog
{
    [LoggerMessage(1, LogLevel.Debug, "client {ClientId} connected as user '{UserId}' over {Transport}")]
    public static partial void ClientConnected(ILogger logger, string clientId, string userId, string transport);

    [LoggerMessage(2, LogLevel.Debug, "client {ClientId} disconnected: {Code} {Reason}")]
    public static partial void ClientDisconnected(ILogger logger, string clientId, uint code, string reason);

    [LoggerMessage(3, LogLevel.Information, "client {ClientId} sent a bad frame: {Problem}")]
    public static partial void BadFrame(ILogger logger, string clientId, string problem);

    [LoggerMessage(4, LogLevel.Information, "client {ClientId}: {Problem}")]
    public static partial void ProtocolViolation(ILogger logger, string clientId, string problem);

    [LoggerMessage(5, LogLevel.Information, "client {ClientId} presented an invalid token")]
    public static partial void InvalidToken(ILogger logger, string clientId);

    [LoggerMessage(6, LogLevel.Debug, "client {ClientId} write failed")]
    public static partial void WriteFailed(ILogger logger, string clientId, Exception exception);

    [LoggerMessage(7, LogLevel.Error, "client {ClientId}: {Command} failed")]
    public static partial void CommandFailed(ILogger logger, string clientId, string command, Exception exception);

    [LoggerMessage(8, LogLevel.Warning, "client {ClientId} disconnected as slow: its queue passed {Limit} bytes")]
    public static partial void SlowClient(ILogger logger, string clientId, int limit);

    [LoggerMessage(9, LogLevel.Error, "cleanup of client {ClientId} channel {Channel} failed")]
    public static partial void CleanupFailed(ILogger logger, string clientId, string channel, Exception exception);
}

/// <summary>Log messages of the node-to-node control channel.</summary>
internal static partial class ControlLog
{
    [LoggerMessage(40, LogLevel.Warning, "announcing this node through the broker failed")]
    public static partial void AnnounceFailed(ILogger logger, Exception exception);

    [LoggerMessage(41, LogLevel.Warning, "dropped a malformed control message of {Length} bytes")]
    public static partial void Malformed(ILogger logger, int length, Exception exception);

    [LoggerMessage(42, LogLevel.Debug, "ignored a control command of an unknown kind from node {NodeId}")]
    public static partial void Unknown(ILogger logger, string nodeId);

    [LoggerMessage(43, LogLevel.Error, "control action {Kind} failed")]
    public static partial void ActionFailed(ILogger logger, string kind, Exception exception);
}
