using System.Collections.Concurrent;
using Google.Protobuf;
using Gyre.Core;
using Gyre.Core.Engine;
using Gyre.Protocol.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Gyre.Redis;

/// <summary>
/// The broker over Redis: publications, joins and leaves travel through PUB/SUB (or sharded PUB/SUB); history
/// lives in a Redis stream per channel beside a meta hash holding its epoch and top offset; control messages use
/// <c>{prefix}.control</c> and <c>{prefix}.node.{id}</c>.
/// </summary>
/// <remarks>
/// <para>A publish with history is one Lua script (<c>Scripts/publish.lua</c>): it checks the idempotency key,
/// increments the offset, appends to the stream, trims it to the history size, refreshes TTLs and publishes the
/// framed publication, atomically. Subscribers therefore see a channel's offsets in order with no gaps that
/// history would not also show.</para>
/// <para>Every node subscribes to a channel's Redis channel on its first local subscriber and unsubscribes after the
/// last (the node serialises both per channel). Each subscription drains its own ordered queue, so one slow channel
/// cannot reorder another's messages. After a lost connection StackExchange.Redis resubscribes on its own; what was
/// published meanwhile is missed (at-most-once) and clients recover it from history by offset.</para>
/// </remarks>
public sealed partial class RedisBroker : IBroker
{
    private readonly RedisConnection _connection;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, ChannelSubscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly List<ChannelMessageQueue> _controlQueues = [];
    private IBrokerEventHandler? _handler;
    private uint _controlRound;
    private volatile bool _disposed;

    /// <summary>Creates the broker over an open connection; <see cref="StartAsync"/> subscribes to control channels.</summary>
    /// <param name="connection">The Redis shards; owned by the caller, who disposes it after the broker.</param>
    /// <param name="nodeId">
    /// This node's id, the address of control messages sent to it. Null takes <see cref="Node.Id"/> when the
    /// handler passed to <see cref="StartAsync"/> is a <see cref="Node"/>, and a new UUID otherwise.
    /// </param>
    /// <param name="loggerFactory">Logging; none by default.</param>
    public RedisBroker(RedisConnection connection, string? nodeId = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        NodeId = nodeId;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Gyre.Redis.Broker");
    }

    /// <summary>This node's id for targeted control messages; known once started.</summary>
    public string? NodeId { get; private set; }

    /// <summary>True while every Redis shard has a live connection.</summary>
    public bool IsConnected => _connection.IsConnected;

    /// <inheritdoc/>
    public async ValueTask StartAsync(IBrokerEventHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (Interlocked.CompareExchange(ref _handler, handler, null) is not null)
        {
            throw new InvalidOperationException("The broker is already started.");
        }

        NodeId ??= (handler as Node)?.Id ?? Guid.NewGuid().ToString();
        foreach (var shard in _connection.Shards)
        {
            shard.Multiplexer.ConnectionFailed += OnConnectionFailed;
            shard.Multiplexer.ConnectionRestored += OnConnectionRestored;
            foreach (var channel in new[] { shard.Keys.ControlChannel, shard.Keys.NodeChannel(NodeId) })
            {
                cancellationToken.ThrowIfCancellationRequested();
                var queue = await shard.Subscriber.SubscribeAsync(channel).ConfigureAwait(false);
                queue.OnMessage(OnControlMessage);
                lock (_controlQueues)
                {
                    _controlQueues.Add(queue);
                }
            }
        }

        RedisLog.BrokerStarted(_logger, _connection.ShardCount, NodeId);
    }

    /// <inheritdoc/>
    public ValueTask PublishJoinAsync(string channel, ClientInfo info, CancellationToken cancellationToken) =>
        PublishFramedAsync(channel, RedisMessage.Frame(RedisMessage.JoinPrefix, info.ToByteArray()), cancellationToken);

    /// <inheritdoc/>
    public ValueTask PublishLeaveAsync(string channel, ClientInfo info, CancellationToken cancellationToken) =>
        PublishFramedAsync(channel, RedisMessage.Frame(RedisMessage.LeavePrefix, info.ToByteArray()), cancellationToken);

    /// <inheritdoc/>
    /// <remarks>Control messages rotate over the shards (every node listens on all of them) to spread the load.</remarks>
    public async ValueTask PublishControlAsync(ReadOnlyMemory<byte> data, string? targetNode, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var shards = _connection.Shards;
        var shard = shards[(int)(Interlocked.Increment(ref _controlRound) % (uint)shards.Count)];
        var channel = targetNode is null ? shard.Keys.ControlChannel : shard.Keys.NodeChannel(targetNode);
        await shard.Subscriber.PublishAsync(channel, data).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>Unsubscribes this node's channels; the <see cref="RedisConnection"/> stays open for its owner.</remarks>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var shard in _connection.Shards)
        {
            shard.Multiplexer.ConnectionFailed -= OnConnectionFailed;
            shard.Multiplexer.ConnectionRestored -= OnConnectionRestored;
        }

        List<ChannelMessageQueue> queues;
        lock (_controlQueues)
        {
            queues = [.. _controlQueues, .. _subscriptions.Values.Select(s => s.Queue)];
            _controlQueues.Clear();
        }

        _subscriptions.Clear();
        foreach (var queue in queues)
        {
            try
            {
                await queue.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (RedisException e)
            {
                RedisLog.UnsubscribeFailed(_logger, queue.Channel.ToString(), e);
            }
        }
    }

    private async ValueTask PublishFramedAsync(string channel, byte[] frame, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var shard = _connection.ShardFor(channel);
        await shard.Database.PublishAsync(shard.Keys.PubSubChannel(channel), frame).ConfigureAwait(false);
    }

    private void OnControlMessage(ChannelMessage message)
    {
        if (_disposed || _handler is not { } handler)
        {
            return;
        }

        try
        {
            handler.HandleControl((ReadOnlyMemory<byte>)message.Message);
        }
        catch (Exception e)
        {
            RedisLog.HandlerFailed(_logger, message.Channel.ToString(), e);
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e) =>
        RedisLog.ConnectionFailed(_logger, e.EndPoint?.ToString() ?? "?", e.FailureType.ToString(), e.Exception);

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        RedisLog.ConnectionRestored(_logger, e.EndPoint?.ToString() ?? "?");
        if (e.ConnectionType == ConnectionType.Subscription && !_disposed && _handler is { } handler)
        {
            // The multiplexer resubscribes on its own; what was published while the link was down is gone from
            // PUB/SUB (still in history), so positioned subscribers are told to recover.
            handler.HandleResubscribed();
        }
    }
}
