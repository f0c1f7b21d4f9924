using Gyre.Core.Errors;

namespace Gyre.Core;

public sealed partial class Client : Internal.IDeadlineOwner
{
    long Internal.IDeadlineOwner.DueAt => Volatile.Read(ref _timerDueAt);

    void Internal.IDeadlineOwner.OnDue() => OnTimer();

    /// <summary>Pongs are expected after pings, except on unidirectional transports, whose clients cannot answer.</summary>
    private bool PongEnabled => _options.PingInterval > TimeSpan.Zero && _options.PongTimeout > TimeSpan.Zero && !Codec.Unidirectional;

    /// <summary>
    /// First ping at a random point of <c>[interval/2, interval)</c>, as Centrifuge does, so that a burst of
    /// reconnects does not turn into a synchronised ping storm every 25 s.
    /// </summary>
    private void StartPingsLocked(long now)
    {
        if (_options.PingInterval <= TimeSpan.Zero)
        {
            return;
        }

        var interval = (long)_options.PingInterval.TotalMilliseconds;
        _nextPingAt = now + (interval / 2) + Random.Shared.NextInt64(Math.Max(1, interval / 2));
    }

    private Disconnect? HandlePong()
    {
        lock (_lock)
        {
            if (_pongDeadline == 0)
            {
                // Centrifuge treats a pong without an outstanding ping as a protocol violation.
                return Disconnect.BadRequest;
            }

            _pongDeadline = 0;
            RescheduleLocked();
            return null;
        }
    }

    private void OnTimer()
    {
        Disconnect? disconnect = null;
        var ping = false;
        var refreshPresence = false;
        List<Subscription>? expiredSubscriptions = null;
        lock (_lock)
        {
            if (_state == ClientState.Closed)
            {
                return;
            }

            // The scheduler's entry for this deadline is used up; RescheduleLocked adds the next one.
            Volatile.Write(ref _timerDueAt, 0);
            var now = Now();
            if (_state != ClientState.Connected)
            {
                if (_staleAt != 0 && _staleAt <= now)
                {
                    disconnect = Disconnect.Stale;
                }
            }
            else if (_pongDeadline != 0 && _pongDeadline <= now)
            {
                disconnect = Disconnect.NoPong;
            }
            else if (_expireAt != 0 && _expireAt <= now)
            {
                disconnect = Disconnect.Expired;
            }
            else
            {
                if (_subExpiryCheckAt != 0 && _subExpiryCheckAt <= now)
                {
                    expiredSubscriptions = TakeExpiredSubscriptionsLocked(now, out var serverSideExpired);
                    if (serverSideExpired)
                    {
                        disconnect = Disconnect.SubExpired;
                    }
                }

                if (_nextPingAt != 0 && _nextPingAt <= now)
                {
                    ping = true;
                    _nextPingAt = now + (long)_options.PingInterval.TotalMilliseconds;
                    if (PongEnabled && _pongDeadline == 0)
                    {
                        _pongDeadline = now + (long)_options.PongTimeout.TotalMilliseconds;
                    }
                }

                if (_nextPresenceAt != 0 && _nextPresenceAt <= now)
                {
                    refreshPresence = true;
                    _nextPresenceAt = now + (long)_options.PresenceUpdateInterval.TotalMilliseconds;
                }
            }

            if (disconnect is null)
            {
                RescheduleLocked();
            }
        }

        if (disconnect is not null)
        {
            // Off the scheduler's run, which serves every connection of the node: closing leaves channels and may wait
            // on the broker, and a network outage can make thousands of connections stale in the same run.
            CloseOnThreadPool(disconnect);
            return;
        }

        if (expiredSubscriptions is not null)
        {
            EndExpiredSubscriptions(expiredSubscriptions);
        }

        if (ping)
        {
            Enqueue(Codec.EmptyReply);
        }

        if (refreshPresence)
        {
            _ = RefreshPresenceAsync();
        }
    }

    private void RescheduleLocked()
    {
        if (_state == ClientState.Closed)
        {
            return;
        }

        var next = long.MaxValue;
        foreach (var deadline in (ReadOnlySpan<long>)[_staleAt, _nextPingAt, _pongDeadline, _expireAt, _nextPresenceAt, _subExpiryCheckAt])
        {
            if (deadline != 0 && deadline < next)
            {
                next = deadline;
            }
        }

        if (next == long.MaxValue)
        {
            if (_timerDueAt != 0)
            {
                Volatile.Write(ref _timerDueAt, 0);
                _node.Deadlines.Abandon();
            }

            return;
        }

        if (next == _timerDueAt)
        {
            return;
        }

        var replaced = _timerDueAt != 0;
        Volatile.Write(ref _timerDueAt, next);
        _node.Deadlines.Schedule(this, next, replaced);
    }
}
