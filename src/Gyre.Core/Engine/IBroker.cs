using Gyre.Protocol.Messages;

namespace Gyre.Core.Engine;

/// <summary>
/// Moves publications, join/leave events and control messages between nodes, and keeps channel history.
/// One contract for every backend (memory, Redis, NATS); the shared specification tests hold each to it.
/// </summary>
/// <remarks>
/// Guarantees every implementation gives:
/// <list type="bullet">
/// <item>Publications of one channel that go into history reach <see cref="IBrokerEventHandler.HandlePublication"/>
/// on every subscribed node in offset order; adding to history and delivering are atomic, so a reader of
/// history never sees an offset that subscribers will not receive (or the reverse).</item>
/// <item>Delivery is at-most-once: a node that misses a publication (network, restart) learns it from a gap in
/// offsets and recovers it from history; there are no retries at this layer.</item>
/// <item><see cref="SubscribeAsync"/> and <see cref="UnsubscribeAsync"/> are called by the node on a channel's
/// first local subscriber and after its last, serialised per channel, never concurrently for one channel.</item>
/// </list>
/// All methods may complete asynchronously (a remote broker does); the memory broker completes synchronously.
/// </remarks>
public interface IBroker : IAsyncDisposable
{
    /// <summary>Connects the broker and starts delivering events to <paramref name="handler"/>.</summary>
    ValueTask StartAsync(IBrokerEventHandler handler, CancellationToken cancellationToken);

    /// <summary>Starts receiving the channel's publications on this node.</summary>
    ValueTask SubscribeAsync(string channel, CancellationToken cancellationToken);

    /// <summary>Stops receiving the channel's publications on this node.</summary>
    ValueTask UnsubscribeAsync(string channel, CancellationToken cancellationToken);

    /// <summary>
    /// Publishes to every node subscribed to <paramref name="channel"/>, adding to history first when
    /// <paramref name="options"/> asks for it.
    /// </summary>
    /// <returns>The publication's stream position (offset and epoch), or <see cref="StreamPosition.None"/> without history.</returns>
    ValueTask<PublishResult> PublishAsync(string channel, Publication publication, PublishOptions options, CancellationToken cancellationToken);

    /// <summary>Announces that a client joined the channel.</summary>
    ValueTask PublishJoinAsync(string channel, ClientInfo info, CancellationToken cancellationToken);

    /// <summary>Announces that a client left the channel.</summary>
    ValueTask PublishLeaveAsync(string channel, ClientInfo info, CancellationToken cancellationToken);

    /// <summary>
    /// Sends a node-to-node control message: to every node when <paramref name="targetNode"/> is null,
    /// otherwise to that node only. Used for node announcements and server-API actions on remote clients.
    /// </summary>
    ValueTask PublishControlAsync(ReadOnlyMemory<byte> data, string? targetNode, CancellationToken cancellationToken);

    /// <summary>Reads the channel's history and its current stream position.</summary>
    ValueTask<HistoryResult> HistoryAsync(string channel, HistoryOptions options, CancellationToken cancellationToken);

    /// <summary>Removes the channel's publications; its stream position (offset, epoch) is kept.</summary>
    ValueTask RemoveHistoryAsync(string channel, CancellationToken cancellationToken);
}

/// <summary>Receives what the broker delivers to this node. Implemented by <see cref="Node"/>.</summary>
public interface IBrokerEventHandler
{
    /// <summary>A publication for a channel this node subscribed to. Must not block: it only enqueues.</summary>
    void HandlePublication(string channel, Publication publication, StreamPosition position);

    /// <summary>A client joined a channel this node subscribed to.</summary>
    void HandleJoin(string channel, ClientInfo info);

    /// <summary>A client left a channel this node subscribed to.</summary>
    void HandleLeave(string channel, ClientInfo info);

    /// <summary>A control message addressed to this node or to all nodes.</summary>
    void HandleControl(ReadOnlyMemory<byte> data);

    /// <summary>
    /// The broker lost its subscriptions and has them again (a reconnect): publications sent meanwhile were missed
    /// and, if no later publication arrives, no offset gap would reveal it. The node tells positioned subscribers to
    /// recover. Brokers without such a gap (the memory broker) never call it.
    /// </summary>
    void HandleResubscribed()
    {
    }
}

/// <summary>How a publication is stored.</summary>
public readonly record struct PublishOptions
{
    /// <summary>Publications kept in history; 0 means no history for this publication.</summary>
    public int HistorySize { get; init; }

    /// <summary>How long publications stay in history; zero means no history.</summary>
    public TimeSpan HistoryTtl { get; init; }

    /// <summary>How long the stream's offset and epoch survive without publications.</summary>
    public TimeSpan HistoryMetaTtl { get; init; }

    /// <summary>When set, a second publish with the same key within <see cref="IdempotentResultTtl"/> is suppressed and returns the first result.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>How long an idempotency key is remembered; Centrifugo uses 5 minutes.</summary>
    public TimeSpan IdempotentResultTtl { get; init; }

    /// <summary>Whether this publish goes into history.</summary>
    public bool UseHistory => HistorySize > 0 && HistoryTtl > TimeSpan.Zero;

    /// <summary>
    /// The publisher's version of the channel state (server API <c>version</c>, v6.2): when above 0 and not above
    /// the last stored version of the same <see cref="VersionEpoch"/>, the publication is stale and suppressed, so
    /// out-of-order state updates (say, a price published from two backends) never overwrite newer ones. Only with
    /// history: the last version lives in the stream's meta.
    /// </summary>
    public ulong Version { get; init; }

    /// <summary>Scope of <see cref="Version"/>: a different epoch resets ordering; empty compares with any epoch.</summary>
    public string? VersionEpoch { get; init; }
}

/// <summary>The outcome of a publish.</summary>
/// <param name="Position">Stream position of the publication.</param>
/// <param name="Suppressed">True when an earlier publish with the same idempotency key made this one a no-op.</param>
public readonly record struct PublishResult(StreamPosition Position, bool Suppressed);

/// <summary>Which part of history to read.</summary>
public readonly record struct HistoryOptions
{
    /// <summary>Read publications after (or, reversed, before) this position; null reads from the start (or the end).</summary>
    public StreamPosition? Since { get; init; }

    /// <summary>0 returns only the stream position; a negative value returns everything; N returns at most N.</summary>
    public int Limit { get; init; }

    /// <summary>Newest first.</summary>
    public bool Reverse { get; init; }

    /// <summary>Meta TTL to apply when the read creates or touches the stream.</summary>
    public TimeSpan MetaTtl { get; init; }
}

/// <summary>Publications and the stream's current top position.</summary>
/// <param name="Publications">Matching publications, in the requested order.</param>
/// <param name="Position">The stream's current top.</param>
public sealed record HistoryResult(IReadOnlyList<Publication> Publications, StreamPosition Position);
