using System.Collections.Concurrent;
using Google.Protobuf;
using Gyre.Core.Diagnostics;
using Gyre.Core.Engine;
using Gyre.Protocol.Control;

namespace Gyre.Core;

/// <summary>
/// Node-to-node control over the broker (<c>proto/control.proto</c>): every node announces itself every
/// <see cref="AnnounceInterval"/>, keeps a registry of the others for the <c>info</c> API and forgets a node whose
/// announcements stop for <see cref="NodeExpiry"/>; server-API actions on clients (subscribe, unsubscribe, disconnect,
/// refresh) run here and are relayed to every other node. Centrifugo's intervals: 3 s, expiry 2 × 3 s + 1 s.
/// </summary>
/// <remarks>
/// New kinds of control message go through <see cref="Notification"/>: <see cref="RegisterNotificationHandler"/> names
/// an operation and <see cref="NotifyAsync"/> sends it to one node or to all (for example a request routed to the node
/// that owns a session). The command envelope itself only grows for behaviour shared with Centrifugo.
/// </remarks>
public sealed partial class Node
{
    /// <summary>How often a node announces itself (and checks that its own announcement came back).</summary>
    public static readonly TimeSpan AnnounceInterval = TimeSpan.FromSeconds(3);

    /// <summary>A node missing announcements for this long is no longer listed, and this node's broker is unhealthy.</summary>
    public static readonly TimeSpan NodeExpiry = (AnnounceInterval * 2) + TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, KnownNode> _nodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Func<string, ReadOnlyMemory<byte>, ValueTask>> _notificationHandlers = new(StringComparer.Ordinal);
    private ITimer? _announceTimer;

    /// <summary>Unix milliseconds when this node last received its own announcement through the broker.</summary>
    private long _lastEchoAt;

    /// <summary>
    /// True while this node's own announcements make the round trip through the broker within <see cref="NodeExpiry"/>:
    /// publishing works and the control subscription delivers. Reported by the health endpoint.
    /// </summary>
    public bool BrokerHealthy => Time.GetUtcNow().ToUnixTimeMilliseconds() - Volatile.Read(ref _lastEchoAt) <= (long)NodeExpiry.TotalMilliseconds;

    /// <summary>Every live node: this one with current counts, then the others as last announced.</summary>
    public IReadOnlyList<NodeDescription> KnownNodes()
    {
        var stats = Stats();
        var nodes = new List<NodeDescription>
        {
            new(Id, Options.Name, Options.Version, stats.Clients, stats.Users, stats.Channels, stats.Subscriptions, (long)stats.Uptime.TotalSeconds),
        };
        var now = Time.GetUtcNow();
        foreach (var (id, known) in _nodes)
        {
            if (id != Id && now - known.SeenAt <= NodeExpiry)
            {
                var n = known.Info;
                nodes.Add(new(n.Uid, n.Name, n.Version, (int)n.NumClients, (int)n.NumUsers, (int)n.NumChannels, (int)n.NumSubs, n.Uptime));
            }
        }

        return nodes;
    }

    /// <summary>
    /// Handles control notifications named <paramref name="op"/>: the handler receives the sending node's id and the
    /// data. Registering an operation twice replaces the first handler.
    /// </summary>
    public void RegisterNotificationHandler(string op, Func<string, ReadOnlyMemory<byte>, ValueTask> handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(op);
        ArgumentNullException.ThrowIfNull(handler);
        _notificationHandlers[op] = handler;
    }

    /// <summary>Sends a notification to <paramref name="targetNode"/>, or to every other node when it is null.</summary>
    public ValueTask NotifyAsync(string op, ReadOnlyMemory<byte> data, string? targetNode, CancellationToken cancellationToken) =>
        PublishControlAsync(new Command { Notification = new Notification { Op = op, Data = ByteString.CopyFrom(data.Span) } }, targetNode, cancellationToken);

    /// <summary>Server-side subscribe of matching connections on every node.</summary>
    public async ValueTask SubscribeAsync(Subscribe command, CancellationToken cancellationToken)
    {
        await ApplySubscribeAsync(command).ConfigureAwait(false);
        await PublishControlAsync(new Command { Subscribe = command }, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Unsubscribes matching connections on every node (every channel when the channel is empty).</summary>
    public async ValueTask UnsubscribeAsync(Unsubscribe command, CancellationToken cancellationToken)
    {
        await ApplyUnsubscribeAsync(command).ConfigureAwait(false);
        await PublishControlAsync(new Command { Unsubscribe = command }, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Disconnects matching connections on every node, except the whitelisted client ids.</summary>
    public async ValueTask DisconnectAsync(Protocol.Control.Disconnect command, CancellationToken cancellationToken)
    {
        await ApplyDisconnectAsync(command).ConfigureAwait(false);
        await PublishControlAsync(new Command { Disconnect = command }, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Refreshes matching connections on every node.</summary>
    public async ValueTask RefreshAsync(Refresh command, CancellationToken cancellationToken)
    {
        await ApplyRefreshAsync(command).ConfigureAwait(false);
        await PublishControlAsync(new Command { Refresh = command }, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>This node's connections of a user (empty: anonymous), narrowed to one client id and/or session.</summary>
    internal IEnumerable<Client> LocalTargets(string user, string client, string session) =>
        UserConnections(user).Where(c => (client.Length == 0 || c.Id == client) && (session.Length == 0 || c.Session == session));

    private void StartAnnouncing()
    {
        Volatile.Write(ref _lastEchoAt, Time.GetUtcNow().ToUnixTimeMilliseconds());
        _announceTimer = Time.CreateTimer(static state => ((Node)state!).Announce(), this, TimeSpan.Zero, AnnounceInterval);
    }

    private async ValueTask StopAnnouncingAsync()
    {
        if (_announceTimer is not { } timer)
        {
            return;
        }

        _announceTimer = null;
        await timer.DisposeAsync().ConfigureAwait(false);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await PublishControlAsync(new Command { Shutdown = new Shutdown() }, null, timeout.Token).AsTask().WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Best effort: the other nodes forget this one after the expiry anyway.
        }
    }

    private void Announce()
    {
        var now = Time.GetUtcNow();
        foreach (var (id, known) in _nodes)
        {
            if (now - known.SeenAt > NodeExpiry)
            {
                _nodes.TryRemove(id, out _);
            }
        }

        _ = AnnounceAsync(null);
    }

    private async Task AnnounceAsync(string? targetNode)
    {
        var stats = Stats();
        var info = new Protocol.Control.Node
        {
            Uid = Id,
            Name = Options.Name,
            Version = Options.Version,
            NumClients = (uint)stats.Clients,
            NumUsers = (uint)stats.Users,
            NumChannels = (uint)stats.Channels,
            NumSubs = (uint)stats.Subscriptions,
            Uptime = (uint)stats.Uptime.TotalSeconds,
        };
        try
        {
            using var timeout = new CancellationTokenSource(AnnounceInterval);
            await PublishControlAsync(new Command { Node = info }, targetNode, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            ControlLog.AnnounceFailed(Log, e);
        }
    }

    private ValueTask PublishControlAsync(Command command, string? targetNode, CancellationToken cancellationToken)
    {
        command.Uid = Id;
        return Broker.PublishControlAsync(command.ToByteArray(), targetNode, cancellationToken);
    }

    /// <summary>Runs on the broker's delivery loop: decodes, then hands client actions to the thread pool.</summary>
    private void OnControl(ReadOnlyMemory<byte> data)
    {
        Command command;
        try
        {
            command = Command.Parser.ParseFrom(data.Span);
        }
        catch (InvalidProtocolBufferException e)
        {
            ControlLog.Malformed(Log, data.Length, e);
            return;
        }

        if (command.Uid == Id)
        {
            if (command.Node is not null)
            {
                Volatile.Write(ref _lastEchoAt, Time.GetUtcNow().ToUnixTimeMilliseconds());
            }

            return;
        }

        switch (command)
        {
            case { Node: { } node }:
                var isNew = !_nodes.ContainsKey(node.Uid);
                _nodes[node.Uid] = new KnownNode(node, Time.GetUtcNow());
                if (isNew)
                {
                    // Introduce this node at once instead of at its next announcement.
                    _ = AnnounceAsync(node.Uid);
                }

                break;
            case { Shutdown: not null }:
                _nodes.TryRemove(command.Uid, out _);
                break;
            case { Subscribe: { } subscribe }:
                RunInBackground(() => ApplySubscribeAsync(subscribe), "subscribe");
                break;
            case { Unsubscribe: { } unsubscribe }:
                RunInBackground(() => ApplyUnsubscribeAsync(unsubscribe), "unsubscribe");
                break;
            case { Disconnect: { } disconnect }:
                RunInBackground(() => ApplyDisconnectAsync(disconnect), "disconnect");
                break;
            case { Refresh: { } refresh }:
                RunInBackground(() => ApplyRefreshAsync(refresh), "refresh");
                break;
            case { Notification: { } notification }:
                if (_notificationHandlers.TryGetValue(notification.Op, out var handler))
                {
                    var from = command.Uid;
                    RunInBackground(() => handler(from, notification.Data.Memory), notification.Op);
                }

                break;
            default:
                ControlLog.Unknown(Log, command.Uid);
                break;
        }
    }

    private void RunInBackground(Func<ValueTask> action, string kind) => _ = Task.Run(async () =>
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            ControlLog.ActionFailed(Log, kind, e);
        }
    });

    private async ValueTask ApplySubscribeAsync(Subscribe command)
    {
        if (Channels.Resolve(command.Channel, out var options) is not null)
        {
            return;
        }

        options = options with
        {
            Presence = command.EmitPresence,
            JoinLeave = command.EmitJoinLeave,
            ForcePushJoinLeave = command.PushJoinLeave,
            ForcePositioning = command.Position,
            ForceRecovery = command.Recover,
        };
        StreamPosition? since = command.RecoverSince is { } position ? new StreamPosition(position.Offset, position.Epoch) : null;
        foreach (var client in LocalTargets(command.User, command.Client, command.Session).ToList())
        {
            await client.ServerSubscribeAsync(command.Channel, options, command.Data.Memory, command.ChannelInfo.Memory, since).ConfigureAwait(false);
        }
    }

    private async ValueTask ApplyUnsubscribeAsync(Unsubscribe command)
    {
        foreach (var client in LocalTargets(command.User, command.Client, command.Session).ToList())
        {
            await client.ServerUnsubscribeAsync(command.Channel).ConfigureAwait(false);
        }
    }

    private async ValueTask ApplyDisconnectAsync(Protocol.Control.Disconnect command)
    {
        var disconnect = new Errors.Disconnect(command.Code, command.Reason);
        foreach (var client in LocalTargets(command.User, command.Client, command.Session).ToList())
        {
            if (!command.Whitelist.Contains(client.Id))
            {
                await client.CloseAsync(disconnect).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask ApplyRefreshAsync(Refresh command)
    {
        foreach (var client in LocalTargets(command.User, command.Client, command.Session).ToList())
        {
            await client.ServerRefreshAsync(command.Expired, command.ExpireAt, command.Info.Memory).ConfigureAwait(false);
        }
    }

    /// <summary>Another node's last announcement and when it arrived.</summary>
    private sealed record KnownNode(Protocol.Control.Node Info, DateTimeOffset SeenAt);
}

/// <summary>One node as the <c>info</c> API lists it.</summary>
/// <param name="Id">The node's unique id.</param>
/// <param name="Name">The node's name (<c>node.name</c> or the host name).</param>
/// <param name="Version">Server version.</param>
/// <param name="Clients">Connected clients.</param>
/// <param name="Users">Distinct users.</param>
/// <param name="Channels">Channels with subscribers.</param>
/// <param name="Subscriptions">Client subscriptions.</param>
/// <param name="UptimeSeconds">Seconds since the node started.</param>
public sealed record NodeDescription(string Id, string Name, string Version, int Clients, int Users, int Channels, int Subscriptions, long UptimeSeconds);
