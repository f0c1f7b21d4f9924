using Gyre.Protocol.Messages;

namespace Gyre.Core.Engine;

/// <summary>
/// Who is subscribed to a channel, cluster-wide. Entries expire unless refreshed, so a node that dies without
/// cleaning up stops reporting its clients after the TTL.
/// </summary>
public interface IPresenceManager : IAsyncDisposable
{
    /// <summary>Adds or refreshes a client's entry in the channel's presence.</summary>
    ValueTask AddPresenceAsync(string channel, string clientId, ClientInfo info, CancellationToken cancellationToken);

    /// <summary>Removes a client's entry.</summary>
    ValueTask RemovePresenceAsync(string channel, string clientId, string userId, CancellationToken cancellationToken);

    /// <summary>Every live entry: client id → info.</summary>
    ValueTask<IReadOnlyDictionary<string, ClientInfo>> PresenceAsync(string channel, CancellationToken cancellationToken);

    /// <summary>Counts of live clients and distinct users.</summary>
    ValueTask<PresenceStats> PresenceStatsAsync(string channel, CancellationToken cancellationToken);
}

/// <summary>Presence counts.</summary>
/// <param name="NumClients">Connections present.</param>
/// <param name="NumUsers">Distinct user ids among them.</param>
public readonly record struct PresenceStats(int NumClients, int NumUsers);
