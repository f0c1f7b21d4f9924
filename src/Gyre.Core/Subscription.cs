using Gyre.Core.Channels;
using Gyre.Protocol.Messages;

namespace Gyre.Core;

/// <summary>
/// One client's subscription to one channel: what the hub iterates on a broadcast. Holding the client and the
/// per-subscription flags together lets a delivery decide without a dictionary lookup.
/// </summary>
internal sealed class Subscription
{
    private volatile bool _active;

    public Subscription(Client client, string channel, ChannelOptions options, bool serverSide)
    {
        Client = client;
        Channel = channel;
        Options = options;
        ServerSide = serverSide;
    }

    public Client Client { get; }

    public string Channel { get; }

    public ChannelOptions Options { get; }

    /// <summary>Established from the server (token <c>channels</c>, server API) rather than by a client command.</summary>
    public bool ServerSide { get; }

    /// <summary>The client asked for join/leave pushes (or the namespace forces them).</summary>
    public bool PushJoinLeave { get; init; }

    /// <summary>Channel info (<c>chan_info</c>) of this subscriber.</summary>
    public ClientInfo? Info { get; set; }

    /// <summary>
    /// Set once the subscribe reply is queued. Publications that reach the hub before that are dropped, so a
    /// client never sees a push for a channel before the reply that confirms the subscription.
    /// </summary>
    public bool Active
    {
        get => _active;
        set => _active = value;
    }
}
