using Google.Protobuf;
using Gyre.Core.Auth;
using Gyre.Core.Channels;
using Gyre.Core.Engine;
using Gyre.Core.Engine.Memory;
using Gyre.Core.Errors;
using Gyre.Protocol.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PublishResult = Gyre.Core.Engine.PublishResult;

namespace Gyre.Core;

/// <summary>
/// The composition root of the engine: options, hub, broker, presence manager, token verifier and clock.
/// Transports create clients through <see cref="Connect"/>; the server API publishes through
/// <see cref="PublishAsync"/>; the broker delivers back through <see cref="IBrokerEventHandler"/>.
/// </summary>
public sealed partial class Node : IBrokerEventHandler, IAsyncDisposable
{
    /// <summary>
    /// 128 striped locks serialise broker subscribe/unsubscribe per channel, so a first subscriber and a last
    /// unsubscriber of one channel can never leave the broker unsubscribed while the hub has subscribers.
    /// </summary>
    private const int SubscriptionLockCount = 128;

    /// <summary>Every open client, authenticated or not, so that shutdown reaches connections still in their handshake.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Client, byte> _clients = new();

    /// <summary>Emulated connections (HTTP-streaming, SSE) by session id, for <c>/emulation</c>.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Client> _sessions = new(StringComparer.Ordinal);

    private readonly SemaphoreSlim[] _subscriptionLocks = [.. Enumerable.Range(0, SubscriptionLockCount).Select(_ => new SemaphoreSlim(1, 1))];

    /// <summary>Open transports (authenticated or not), for <c>client.connection_limit</c>: a counter, read on every upgrade.</summary>
    private int _openClients;

    /// <summary>Creates a node. Without a broker or presence manager, the memory engine is used.</summary>
    public Node(NodeOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? time = null, IBroker? broker = null, IPresenceManager? presence = null)
    {
        Options = options;
        Time = time ?? TimeProvider.System;
        Log = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Gyre.Core");
        Broker = broker ?? new MemoryBroker(Time);
        Presence = presence ?? new MemoryPresenceManager(time: Time);
        Channels = new ChannelRules(options.Channels);
        Tokens = new TokenVerifier(options.Token, Time);
        SubscriptionTokens = options.SubscriptionToken is { } subscriptionToken ? new TokenVerifier(subscriptionToken, Time) : Tokens;
        Hub = new Hub();
        Deadlines = new Internal.DeadlineScheduler(Time);
        StartedAt = Time.GetUtcNow();
    }

    /// <summary>Unique id of this node instance (a UUID), as in the <c>info</c> API.</summary>
    public string Id { get; } = Guid.NewGuid().ToString();

    /// <summary>The options the node runs with.</summary>
    public NodeOptions Options { get; }

    /// <summary>The node's clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>The one timer behind every connection's pings, pong, stale, expiry and presence deadlines.</summary>
    internal Internal.DeadlineScheduler Deadlines { get; }

    /// <summary>When the node started.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Channel name rules and namespace options.</summary>
    public ChannelRules Channels { get; }

    /// <summary>The broker publications travel through.</summary>
    public IBroker Broker { get; }

    /// <summary>The presence manager.</summary>
    public IPresenceManager Presence { get; }

    /// <summary>
    /// Largest single command accepted from a client. Transports enforce their own frame limit first
    /// (<c>websocket.message_size_limit</c>, 64 KiB); this bound protects the decoder for any transport.
    /// </summary>
    public int MaxCommandSize { get; init; } = 65_536;

    internal Hub Hub { get; }

    internal TokenVerifier Tokens { get; }

    /// <summary>The <c>client.subscription_token</c> verifier when enabled, else <see cref="Tokens"/>.</summary>
    internal TokenVerifier SubscriptionTokens { get; }

    /// <summary>Connections currently open on this node, including those still before their connect command.</summary>
    public int OpenConnections => Volatile.Read(ref _openClients);

    internal ILogger Log { get; }

    /// <summary>Starts the broker, then announces this node to the others every <see cref="AnnounceInterval"/>.</summary>
    public async ValueTask StartAsync(CancellationToken cancellationToken = default)
    {
        await Broker.StartAsync(this, cancellationToken).ConfigureAwait(false);
        StartAnnouncing();
    }

    /// <summary>
    /// Creates the client for a new transport connection and starts its writer and stale timer. The transport
    /// then feeds frames to <see cref="Client.HandleFrameAsync"/> and awaits <see cref="Client.Completion"/>.
    /// </summary>
    public Client Connect(ITransport transport)
    {
        var client = new Client(this, transport);
        _clients.TryAdd(client, 0);
        if (client.Emulated)
        {
            _sessions[client.Session] = client;
        }
        Interlocked.Increment(ref _openClients);
        return client;
    }

    /// <summary>
    /// Publishes <paramref name="data"/> to <paramref name="channel"/> with the namespace's history settings.
    /// </summary>
    /// <param name="channel">Target channel.</param>
    /// <param name="data">Payload; kept by reference, so the caller must not reuse the memory.</param>
    /// <param name="options">The channel's namespace options.</param>
    /// <param name="info">Publisher info for client-side publications.</param>
    /// <param name="tags">Publication tags.</param>
    /// <param name="idempotencyKey">Suppresses a repeat within 5 minutes.</param>
    /// <param name="skipHistory">Deliver without adding to history.</param>
    /// <param name="delta">Send as a fossil delta to subscribers that negotiated it (also forced by <c>delta_publish</c>).</param>
    /// <param name="version">Publisher's state version; a stale one is suppressed (with history only). 0 = unversioned.</param>
    /// <param name="versionEpoch">Scope of <paramref name="version"/>.</param>
    /// <param name="cancellationToken">Cancels a remote broker call.</param>
    public ValueTask<PublishResult> PublishAsync(
        string channel,
        ReadOnlyMemory<byte> data,
        ChannelOptions options,
        ClientInfo? info = null,
        IReadOnlyDictionary<string, string>? tags = null,
        string? idempotencyKey = null,
        bool skipHistory = false,
        bool delta = false,
        ulong version = 0,
        string? versionEpoch = null,
        CancellationToken cancellationToken = default)
    {
        // Delta marks the publisher's intent; subscribers without delta (and history readers) never see the flag.
        var publication = new Publication { Data = UnsafeByteOperations.UnsafeWrap(data), Info = info, Delta = delta || options.DeltaPublish };
        if (tags is not null)
        {
            foreach (var (key, value) in tags)
            {
                publication.Tags[key] = value;
            }
        }

        var publishOptions = new PublishOptions
        {
            HistorySize = skipHistory ? 0 : options.HistorySize,
            HistoryTtl = skipHistory ? TimeSpan.Zero : options.HistoryTtl,
            HistoryMetaTtl = MetaTtl(options),
            IdempotencyKey = string.IsNullOrEmpty(idempotencyKey) ? null : idempotencyKey,
            IdempotentResultTtl = TimeSpan.FromMinutes(5),
            Version = version,
            VersionEpoch = versionEpoch,
        };
        return Broker.PublishAsync(channel, publication, publishOptions, cancellationToken);
    }

    /// <summary>This node's connections of <paramref name="user"/> (a snapshot).</summary>
    public IReadOnlyList<Client> UserConnections(string user) => Hub.UserClients(user);

    /// <summary>Channels with subscribers on this node and their subscriber counts.</summary>
    public IReadOnlyDictionary<string, int> ChannelCounts() => Hub.ChannelCounts();

    /// <summary>Counts of this node, for the <c>info</c> API.</summary>
    public NodeStats Stats()
    {
        var (clients, users, channels, subscriptions) = Hub.Counts();
        return new NodeStats(clients, users, channels, subscriptions, Time.GetUtcNow() - StartedAt);
    }

    /// <summary>Disconnects every client with <see cref="Disconnect.Shutdown"/> and waits (bounded) for their close frames.</summary>
    public async Task ShutdownAsync(TimeSpan timeout)
    {
        var clients = _clients.Keys.ToList();
        foreach (var client in clients)
        {
            await client.CloseAsync(Disconnect.Shutdown).ConfigureAwait(false);
        }

        await Task.WhenAll(clients.Select(c => c.Completion)).WaitAsync(timeout, Time).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAnnouncingAsync().ConfigureAwait(false);
        await Broker.DisposeAsync().ConfigureAwait(false);
        await Presence.DisposeAsync().ConfigureAwait(false);
        Tokens.Dispose();
        SubscriptionTokens.Dispose();
        Deadlines.Dispose();
        foreach (var semaphore in _subscriptionLocks)
        {
            semaphore.Dispose();
        }
    }

    /// <inheritdoc/>
    void IBrokerEventHandler.HandlePublication(string channel, Publication publication, StreamPosition position) =>
        Hub.BroadcastPublication(channel, publication, position);

    /// <inheritdoc/>
    void IBrokerEventHandler.HandleJoin(string channel, ClientInfo info) =>
        Hub.BroadcastJoinLeave(channel, new Push { Channel = channel, Join = new Join { Info = info } });

    /// <inheritdoc/>
    void IBrokerEventHandler.HandleLeave(string channel, ClientInfo info) =>
        Hub.BroadcastJoinLeave(channel, new Push { Channel = channel, Leave = new Leave { Info = info } });

    /// <inheritdoc/>
    void IBrokerEventHandler.HandleControl(ReadOnlyMemory<byte> data) => OnControl(data);

    /// <inheritdoc/>
    void IBrokerEventHandler.HandleResubscribed() => Hub.InvalidatePositions();

    /// <summary>
    /// Finds the open emulated connection (HTTP-streaming or SSE) of this node with session id <paramref name="session"/>:
    /// the local half of <c>/emulation</c> routing (see <see cref="IEmulationRouter"/>).
    /// </summary>
    public bool TryGetEmulatedClient(string session, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Client? client) =>
        _sessions.TryGetValue(session, out client);

    internal void Forget(Client client)
    {
        if (client.Emulated)
        {
            _sessions.TryRemove(KeyValuePair.Create(client.Session, client));
        }

        if (_clients.TryRemove(client, out _))
        {
            Interlocked.Decrement(ref _openClients);
        }
    }

    internal TimeSpan MetaTtl(ChannelOptions options) =>
        options.HistoryMetaTtl > TimeSpan.Zero ? options.HistoryMetaTtl : Options.Channels.HistoryMetaTtl;

    internal async ValueTask AddSubscriptionAsync(Subscription subscription)
    {
        var gate = SubscriptionLock(subscription.Channel);
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Hub.AddSubscription(subscription))
            {
                try
                {
                    await Broker.SubscribeAsync(subscription.Channel, CancellationToken.None).ConfigureAwait(false);
                }
                catch
                {
                    Hub.RemoveSubscription(subscription);
                    throw;
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    internal async ValueTask RemoveSubscriptionAsync(Subscription subscription)
    {
        var gate = SubscriptionLock(subscription.Channel);
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Hub.RemoveSubscription(subscription))
            {
                await Broker.UnsubscribeAsync(subscription.Channel, CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private SemaphoreSlim SubscriptionLock(string channel) =>
        _subscriptionLocks[(uint)StringComparer.Ordinal.GetHashCode(channel) % SubscriptionLockCount];
}

/// <summary>Counts of one node.</summary>
/// <param name="Clients">Connected clients.</param>
/// <param name="Users">Distinct users among them.</param>
/// <param name="Channels">Channels with at least one subscriber.</param>
/// <param name="Subscriptions">Client subscriptions in total.</param>
/// <param name="Uptime">Time since start.</param>
public readonly record struct NodeStats(int Clients, int Users, int Channels, int Subscriptions, TimeSpan Uptime);
