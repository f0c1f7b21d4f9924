using Gyre.Core;
using Microsoft.Extensions.Logging;

namespace Gyre.AspNetCore;

/// <summary>
/// <c>client.connection_limit</c> and <c>client.connection_rate_limit</c>, checked before a connection endpoint does
/// anything else (Centrifugo's <c>ConnLimit</c> middleware): over either limit the request gets HTTP 503 and no
/// upgrade, so a reconnect storm costs a status line instead of a WebSocket and a client object each.
/// </summary>
/// <remarks>
/// The rate is a token bucket holding up to one second of connections (the limit) and refilled continuously at the
/// limit per second. Centrifugo configures Go's limiter as <c>rate.Every(time.Second)</c> with that burst, which
/// refills one connection per second whatever the limit; Gyre keeps the documented meaning, N per second.
/// </remarks>
internal sealed partial class ConnectionLimiter
{
    /// <summary>The limit warning is logged at most this often (Centrifugo's 3 s) so that a storm does not flood the log.</summary>
    private static readonly TimeSpan LogThrottle = TimeSpan.FromSeconds(3);

    private readonly Node _node;
    private readonly ILogger _log;
    private readonly int _connectionLimit;
    private readonly int _rate;
    private readonly Lock _lock = new();
    private double _tokens;
    private long _refilledAt;
    private long _loggedAt = long.MinValue;

    public ConnectionLimiter(Node node, ILogger log)
    {
        _node = node;
        _log = log;
        _connectionLimit = node.Options.Client.ConnectionLimit;
        _rate = node.Options.Client.ConnectionRateLimit;
        _tokens = _rate;
        _refilledAt = node.Time.GetTimestamp();
    }

    /// <summary>Whether any limit is configured (otherwise the check is skipped entirely).</summary>
    public bool Enabled => _connectionLimit > 0 || _rate > 0;

    /// <summary>Takes a slot for a new connection; false means answer 503.</summary>
    public bool TryAdmit()
    {
        if (_rate > 0 && !TryTakeToken())
        {
            return false;
        }

        if (_connectionLimit > 0 && _node.OpenConnections >= _connectionLimit)
        {
            var now = _node.Time.GetTimestamp();
            var last = Interlocked.Read(ref _loggedAt);
            if (last == long.MinValue || _node.Time.GetElapsedTime(last, now) > LogThrottle)
            {
                Interlocked.Exchange(ref _loggedAt, now);
                LimitReached(_log, _connectionLimit);
            }

            return false;
        }

        return true;
    }

    private bool TryTakeToken()
    {
        lock (_lock)
        {
            var now = _node.Time.GetTimestamp();
            _tokens = Math.Min(_rate, _tokens + (_node.Time.GetElapsedTime(_refilledAt, now).TotalSeconds * _rate));
            _refilledAt = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens--;
            return true;
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "node connection limit reached ({Limit} connections): new connections get HTTP 503")]
    private static partial void LimitReached(ILogger logger, int limit);
}
