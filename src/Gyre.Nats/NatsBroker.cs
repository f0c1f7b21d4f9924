using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Security;
using Google.Protobuf;
using Gyre.Core;
using Gyre.Core.Engine;
using Gyre.Protocol.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;

namespace Gyre.Nats;

/// <summary>
/// The broker over core NATS: publications, joins and leaves travel as <c>Push</c> protobufs on
/// <c>{prefix}.client.{channel}</c>; control messages on <c>{prefix}.control</c> and <c>{prefix}.node.{id}</c>.
/// Wire-compatible with Centrifugo's NATS broker.
/// </summary>
/// <remarks>
/// <para>Delivery is at-most-once and there is no history, as in Centrifugo: publish options for history and
/// idempotency are ignored, publications carry no stream position, and <see cref="HistoryAsync"/> and
/// <see cref="RemoveHistoryAsync"/> throw <see cref="NotSupportedException"/> (Centrifugo answers "not available").
/// Run it beside a memory or Redis presence manager.</para>
/// <para>Messages are handled on the connection's read loop, one at a time in arrival order, without an
/// intermediate queue that could drop them; the handler only enqueues, so the loop is never held up for long.</para>
/// </remarks>
public sealed class NatsBroker : IBroker
{
    private readonly NatsBrokerOptions _options;
    private readonly NatsSubjects _subjects;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, NatsBrokerSubscription> _subscriptions = new(StringComparer.Ordinal);
    private NatsConnection? _connection;

    /// <summary>
    /// The control and node-subject subscriptions. NATS.Client.Core's subscription manager holds subscriptions only
    /// weakly and unsubscribes one once it is collected, so without these references a node went deaf to other
    /// nodes after its first full garbage collection.
    /// </summary>
    private NatsBrokerSubscription[] _controlSubscriptions = [];
    private IBrokerEventHandler? _handler;
    private volatile bool _disposed;

    /// <summary>Creates the broker; <see cref="StartAsync"/> connects.</summary>
    /// <param name="options">Server URL, prefix and timeouts.</param>
    /// <param name="nodeId">
    /// This node's id, the address of control messages sent to it. Null takes <see cref="Node.Id"/> when the
    /// handler passed to <see cref="StartAsync"/> is a <see cref="Node"/>, and a new UUID otherwise.
    /// </param>
    /// <param name="loggerFactory">Logging; none by default.</param>
    public NatsBroker(NatsBrokerOptions options, string? nodeId = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.DialTimeout, TimeSpan.Zero, nameof(options.DialTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.WriteTimeout, TimeSpan.Zero, nameof(options.WriteTimeout));
        _options = options;
        _subjects = new NatsSubjects(options.Prefix);
        NodeId = nodeId;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger("Gyre.Nats.Broker");
    }

    /// <summary>This node's id for targeted control messages; known once started.</summary>
    public string? NodeId { get; private set; }

    /// <summary>True while the NATS connection is open.</summary>
    public bool IsConnected => _connection?.ConnectionState == NatsConnectionState.Open;

    internal IBrokerEventHandler? Handler => _disposed ? null : _handler;

    internal ILogger Logger => _logger;

    /// <inheritdoc/>
    /// <exception cref="NatsException">The server cannot be reached within the dial timeout.</exception>
    public async ValueTask StartAsync(IBrokerEventHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (Interlocked.CompareExchange(ref _handler, handler, null) is not null)
        {
            throw new InvalidOperationException("The broker is already started.");
        }

        NodeId ??= (handler as Node)?.Id ?? Guid.NewGuid().ToString();
        var connection = new NatsConnection(new NatsOpts
        {
            Url = _options.Url,
            Name = _options.ClientName ?? "gyre",
            ConnectTimeout = _options.DialTimeout,
            CommandTimeout = _options.WriteTimeout,
            LoggerFactory = _loggerFactory,
            // Reconnect forever, as Centrifugo does: a node without its broker cannot serve anything cluster-wide.
            MaxReconnectRetry = -1,
            // While disconnected, a publish fails after the write timeout instead of waiting for the reconnect, so
            // the server API answers with an error (Centrifugo's client has no reconnect buffer either).
            PublishTimeoutOnDisconnected = true,
            TlsOpts = TlsOptions(_options.Tls),
        });
        connection.ConnectionDisconnected += OnDisconnectedAsync;
        connection.ConnectionOpened += OnOpenedAsync;
        _connection = connection;
        cancellationToken.ThrowIfCancellationRequested();
        await connection.ConnectAsync().ConfigureAwait(false);

        _controlSubscriptions =
        [
            new NatsBrokerSubscription(this, connection, _subjects.Control, channel: null),
            new NatsBrokerSubscription(this, connection, _subjects.Node(NodeId), channel: null),
        ];
        foreach (var subscription in _controlSubscriptions)
        {
            await AddAsync(subscription, cancellationToken).ConfigureAwait(false);
        }
        NatsLog.BrokerStarted(_logger, _options.Url, NodeId);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The channel contains <c>*</c>, <c>&gt;</c> or whitespace.</exception>
    public async ValueTask SubscribeAsync(string channel, CancellationToken cancellationToken)
    {
        var connection = Connection();
        ThrowIfUnsupported(channel);
        if (_subscriptions.ContainsKey(channel))
        {
            return;
        }

        var subscription = new NatsBrokerSubscription(this, connection, _subjects.Channel(channel), channel);
        if (!_subscriptions.TryAdd(channel, subscription))
        {
            return;
        }

        try
        {
            await AddAsync(subscription, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _subscriptions.TryRemove(channel, out _);
            throw;
        }
    }

    /// <inheritdoc/>
    public async ValueTask UnsubscribeAsync(string channel, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_subscriptions.TryRemove(channel, out var subscription))
        {
            await subscription.UnsubscribeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    /// <remarks>History size, TTL and idempotency key are ignored: NATS keeps no history. The result has no position.</remarks>
    /// <exception cref="ArgumentException">The channel contains <c>*</c>, <c>&gt;</c> or whitespace.</exception>
    public async ValueTask<PublishResult> PublishAsync(string channel, Publication publication, PublishOptions options, CancellationToken cancellationToken)
    {
        ThrowIfUnsupported(channel);
        await PublishPushAsync(new Push { Channel = channel, Pub = publication }, cancellationToken).ConfigureAwait(false);
        return new PublishResult(StreamPosition.None, Suppressed: false);
    }

    /// <inheritdoc/>
    public ValueTask PublishJoinAsync(string channel, ClientInfo info, CancellationToken cancellationToken) =>
        PublishPushAsync(new Push { Channel = channel, Join = new Join { Info = info } }, cancellationToken);

    /// <inheritdoc/>
    public ValueTask PublishLeaveAsync(string channel, ClientInfo info, CancellationToken cancellationToken) =>
        PublishPushAsync(new Push { Channel = channel, Leave = new Leave { Info = info } }, cancellationToken);

    /// <inheritdoc/>
    public ValueTask PublishControlAsync(ReadOnlyMemory<byte> data, string? targetNode, CancellationToken cancellationToken)
    {
        var subject = targetNode is null ? _subjects.Control : _subjects.Node(targetNode);
        return Connection().PublishAsync(subject, data, serializer: NatsRawSerializer<ReadOnlyMemory<byte>>.Default, cancellationToken: cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">Always: the NATS broker keeps no history.</exception>
    public ValueTask<HistoryResult> HistoryAsync(string channel, HistoryOptions options, CancellationToken cancellationToken) =>
        throw NoHistory();

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">Always: the NATS broker keeps no history.</exception>
    public ValueTask RemoveHistoryAsync(string channel, CancellationToken cancellationToken) =>
        throw NoHistory();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _subscriptions.Clear();
        _controlSubscriptions = [];
        if (_connection is { } connection)
        {
            connection.ConnectionDisconnected -= OnDisconnectedAsync;
            connection.ConnectionOpened -= OnOpenedAsync;
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Centrifugo's <c>nats.Secure</c>: with TLS options the connection upgrades after the server's INFO or fails;
    /// the options' callbacks replace the client library's own certificate handling.
    /// </summary>
    private static NatsTlsOpts TlsOptions(SslClientAuthenticationOptions? tls) => tls is null
        ? NatsTlsOpts.Default
        : new NatsTlsOpts
        {
            Mode = TlsMode.Require,
            ConfigureClientAuthentication = options =>
            {
                if (!string.IsNullOrEmpty(tls.TargetHost))
                {
                    options.TargetHost = tls.TargetHost;
                }

                options.EnabledSslProtocols = tls.EnabledSslProtocols;
                options.LocalCertificateSelectionCallback = tls.LocalCertificateSelectionCallback;
                options.RemoteCertificateValidationCallback = tls.RemoteCertificateValidationCallback;
                return ValueTask.CompletedTask;
            },
        };

    private static NotSupportedException NoHistory() =>
        new("History is not available with the NATS broker: it delivers at most once and stores nothing. Use the Redis engine for channels with history.");

    private static void ThrowIfUnsupported(string channel)
    {
        if (!NatsSubjects.IsSupportedChannel(channel))
        {
            throw new ArgumentException($"Channel '{channel}' cannot be used with the NATS broker: '*', '>' and whitespace are NATS subject syntax.", nameof(channel));
        }
    }

    /// <summary>Registers a subscription, then waits for a PONG so the server has processed the SUB before we return.</summary>
    private async ValueTask AddAsync(NatsBrokerSubscription subscription, CancellationToken cancellationToken)
    {
        var connection = Connection();
        await connection.AddSubAsync(subscription, cancellationToken).ConfigureAwait(false);
        await connection.PingAsync(cancellationToken).ConfigureAwait(false);
    }

    private ValueTask PublishPushAsync(Push push, CancellationToken cancellationToken) =>
        Connection().PublishAsync(_subjects.Channel(push.Channel), push.ToByteArray(), serializer: NatsRawSerializer<byte[]>.Default, cancellationToken: cancellationToken);

    private NatsConnection Connection()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _connection ?? throw new InvalidOperationException("The broker is not started.");
    }

    private ValueTask OnDisconnectedAsync(object? sender, NatsEventArgs args)
    {
        NatsLog.Disconnected(_logger, args.Message);
        return default;
    }

    private ValueTask OnOpenedAsync(object? sender, NatsEventArgs args)
    {
        NatsLog.Reconnected(_logger, args.Message);
        return default;
    }
}

/// <summary>
/// One subject's subscription, handled on the connection's read loop: the payload buffer belongs to the socket
/// reader, so it is parsed (copied) before returning and nothing is queued in between.
/// </summary>
internal sealed class NatsBrokerSubscription(NatsBroker broker, NatsConnection connection, string subject, string? channel)
    : NatsSubBase(connection, connection.SubscriptionManager, subject, queueGroup: null, opts: null)
{
    protected override ValueTask ReceiveInternalAsync(string subject, string? replyTo, ReadOnlySequence<byte>? headersBuffer, ReadOnlySequence<byte> payloadBuffer)
    {
        if (broker.Handler is not { } handler)
        {
            return default;
        }

        try
        {
            if (channel is null)
            {
                handler.HandleControl(payloadBuffer.ToArray());
                return default;
            }

            var push = Push.Parser.ParseFrom(payloadBuffer);
            if (push.Pub is { } publication)
            {
                handler.HandlePublication(channel, publication, StreamPosition.None);
            }
            else if (push.Join is { } join)
            {
                handler.HandleJoin(channel, join.Info ?? new ClientInfo());
            }
            else if (push.Leave is { } leave)
            {
                handler.HandleLeave(channel, leave.Info ?? new ClientInfo());
            }
            else
            {
                NatsLog.MalformedMessage(broker.Logger, subject, payloadBuffer.Length);
            }
        }
        catch (InvalidProtocolBufferException)
        {
            NatsLog.MalformedMessage(broker.Logger, subject, payloadBuffer.Length);
        }
        catch (Exception e)
        {
            NatsLog.HandlerFailed(broker.Logger, subject, e);
        }

        return default;
    }

    protected override void TryComplete()
    {
        // Nothing to complete: messages are handed to the broker's handler directly, without a channel.
    }
}
