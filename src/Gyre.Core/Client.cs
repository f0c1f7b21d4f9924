using Gyre.Core.Diagnostics;
using Gyre.Core.Errors;
using Gyre.Protocol;
using Gyre.Protocol.Messages;

namespace Gyre.Core;

/// <summary>
/// One client connection's protocol state machine, independent of the transport under it:
/// <c>Connecting</c> → <c>Connected</c> → <c>Closed</c>, with <c>Unusable</c> after a failed connect.
/// </summary>
/// <remarks>
/// The transport feeds whole frames to <see cref="HandleFrameAsync"/> from its single read loop; commands
/// of a frame run strictly in order (centrifuge-js sends <c>connect</c> and its subscribes in one frame).
/// Everything the client sends goes through its <see cref="ClientWriter"/>. One timer per connection serves
/// the stale check, pings, pong deadlines, expiry and presence refresh.
/// </remarks>
public sealed partial class Client
{
    private readonly Node _node;
    private readonly ITransport _transport;
    private readonly ClientWriter _writer;
    private readonly ClientOptions _options;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly List<Command> _commands = [];

    /// <summary>Serialises frames of an emulated connection: separate <c>/emulation</c> POSTs may arrive concurrently.</summary>
    private readonly SemaphoreSlim? _emulationGate;
    private ClientState _state;

    // Deadlines in unix milliseconds of the node's clock; 0 = not scheduled. Guarded by _lock.
    private long _staleAt;
    private long _nextPingAt;
    private long _pongDeadline;
    private long _expireAt;
    private long _nextPresenceAt;

    /// <summary>The deadline waited for in <see cref="Node.Deadlines"/>: the earliest of the above; 0 = none.</summary>
    private long _timerDueAt;

    internal Client(Node node, ITransport transport)
    {
        _node = node;
        _transport = transport;
        _options = node.Options.Client;
        Codec = ProtocolCodec.For(transport.Protocol, transport.Unidirectional);
        Id = Guid.NewGuid().ToString();
        Emulated = transport.Emulation;
        if (transport.Unidirectional || Emulated)
        {
            Session = Guid.NewGuid().ToString();
        }

        if (Emulated)
        {
            _emulationGate = new SemaphoreSlim(1, 1);
        }

        _writer = new ClientWriter(transport, Codec, _options, OnWriteFailed);
        _writer.Start();
        lock (_lock)
        {
            _staleAt = Now() + (long)_options.StaleCloseDelay.TotalMilliseconds;
            RescheduleLocked();
        }
    }

    private enum ClientState
    {
        Connecting,
        Connected,
        Unusable,
        Closed,
    }

    /// <summary>Client id (a UUID), sent in the connect result.</summary>
    public string Id { get; }

    /// <summary>
    /// The session id (a UUID) of a unidirectional or emulated connection, sent in the connect result; empty on other
    /// transports. <c>/emulation</c> requests name the connection by it.
    /// </summary>
    public string Session { get; } = "";

    /// <summary>Whether commands arrive through <c>/emulation</c> (<see cref="ITransport.Emulation"/>).</summary>
    public bool Emulated { get; }

    /// <summary>User id from the token; empty for anonymous and before connect.</summary>
    public string UserId { get; private set; } = "";

    /// <summary>The encoding this connection speaks.</summary>
    public ProtocolCodec Codec { get; }

    /// <summary>The transport's name.</summary>
    public string TransportName => _transport.Name;

    /// <summary>Completes when the connection has written its last frame and closed the transport.</summary>
    public Task Completion => _writer.Completion;

    /// <summary>Whether <see cref="CloseAsync"/> has run.</summary>
    public bool IsClosed
    {
        get
        {
            lock (_lock)
            {
                return _state == ClientState.Closed;
            }
        }
    }

    /// <summary>Connection info (user, client id, <c>conn_info</c>), set at connect.</summary>
    internal ClientInfo Info { get; private set; } = new();

    /// <summary>
    /// Handles one frame received by the transport. Returns false when the connection is closing and the
    /// transport should stop handing it frames.
    /// </summary>
    public async ValueTask<bool> HandleFrameAsync(ReadOnlyMemory<byte> frame)
    {
        if (IsClosed)
        {
            return false;
        }

        _commands.Clear();
        try
        {
            Codec.DecodeCommands(frame.Span, _node.MaxCommandSize, _commands);
        }
        catch (ProtocolException e)
        {
            CoreLog.BadFrame(_node.Log, Id, e.Message);
            await CloseAsync(Disconnect.BadRequest).ConfigureAwait(false);
            return false;
        }

        foreach (var command in _commands)
        {
            Disconnect? disconnect;
            try
            {
                disconnect = await DispatchAsync(command).ConfigureAwait(false);
            }
            catch (NotSupportedException) when (command.Id != 0)
            {
                // The broker lacks the feature (history on NATS): "not available", as Centrifugo answers.
                WriteError(command.Id, ClientError.NotAvailable);
                continue;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                CoreLog.CommandFailed(_node.Log, Id, CommandName(command), e);
                if (command.Id != 0)
                {
                    WriteError(command.Id, ClientError.Internal);
                }

                continue;
            }

            if (disconnect is not null)
            {
                await CloseAsync(disconnect).ConfigureAwait(false);
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Handles one frame that arrived through <c>/emulation</c>. Unlike a transport's read loop, emulation requests
    /// run concurrently, so frames of one connection are serialised here to keep the order in which they were taken.
    /// </summary>
    public async ValueTask<bool> HandleEmulatedFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        var gate = _emulationGate ?? throw new InvalidOperationException("the connection's transport is not an emulation transport");
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await HandleFrameAsync(frame).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Closes the connection with <paramref name="disconnect"/>: stops timers, leaves every channel, and lets the
    /// writer send what it should and the close frame. Safe to call more than once; only the first call counts.
    /// </summary>
    public async ValueTask CloseAsync(Disconnect disconnect)
    {
        Subscription[] subscriptions;
        bool wasConnected;
        lock (_lock)
        {
            if (_state == ClientState.Closed)
            {
                return;
            }

            wasConnected = _state == ClientState.Connected;
            _state = ClientState.Closed;
            subscriptions = [.. _subscriptions.Values];
            _subscriptions.Clear();
            if (_timerDueAt != 0)
            {
                Volatile.Write(ref _timerDueAt, 0);
                _node.Deadlines.Abandon();
            }
        }

        _node.Forget(this);
        var flush = disconnect != Disconnect.Slow && disconnect != Disconnect.WriteError && disconnect != Disconnect.ConnectionClosed;
        _writer.Close(disconnect, flush);
        CoreLog.ClientDisconnected(_node.Log, Id, disconnect.Code, disconnect.Reason);
        if (!wasConnected)
        {
            return;
        }

        _node.Hub.RemoveClient(this);
        foreach (var subscription in subscriptions)
        {
            await LeaveChannelAsync(subscription).ConfigureAwait(false);
        }
    }

    /// <summary>Queues an encoded message; a full queue disconnects the client as slow.</summary>
    internal void Enqueue(ReadOnlyMemory<byte> message)
    {
        if (_writer.TryEnqueue(message))
        {
            return;
        }

        CoreLog.SlowClient(_node.Log, Id, _options.QueueMaxSize);

        // Off the broadcast path: closing leaves channels, which must not run inside a broker delivery.
        CloseOnThreadPool(Disconnect.Slow);
    }

    private void WriteReply(Reply reply) => Enqueue(Codec.EncodeReply(reply));

    private void WriteError(uint id, ClientError error) =>
        WriteReply(new Reply { Id = id, Error = new Error { Code = error.Code, Message = error.Message, Temporary = error.Temporary } });

    private ValueTask<Disconnect?> DispatchAsync(Command command)
    {
        ClientState state;
        lock (_lock)
        {
            state = _state;
        }

        if (state == ClientState.Connecting)
        {
            return command.Connect is not null
                ? HandleConnectAsync(command.Id, command.Connect)
                : Violation("command before connect");
        }

        if (state != ClientState.Connected)
        {
            return Violation("command on an unusable connection");
        }

        if (command.Id == 0 && command.Send is null)
        {
            return new(HandlePong());
        }

        return command switch
        {
            { Connect: not null } => Violation("second connect"),
            { Subscribe: { } r } => HandleSubscribeAsync(command.Id, r),
            { Unsubscribe: { } r } => HandleUnsubscribeAsync(command.Id, r),
            { Publish: { } r } => HandlePublishAsync(command.Id, r),
            { Presence: { } r } => HandlePresenceAsync(command.Id, r),
            { PresenceStats: { } r } => HandlePresenceStatsAsync(command.Id, r),
            { History: { } r } => HandleHistoryAsync(command.Id, r),
            { Rpc: { } r } => new(HandleRpc(command.Id, r)),
            { Send: not null } => new(Disconnect.NotAvailable),
            { Refresh: { } r } => HandleRefreshAsync(command.Id, r),
            { SubRefresh: { } r } => HandleSubRefreshAsync(command.Id, r),
            _ => Violation("command without a request"),
        };
    }

    private ValueTask<Disconnect?> Violation(string problem)
    {
        CoreLog.ProtocolViolation(_node.Log, Id, problem);
        return new(Disconnect.BadRequest);
    }

    private static string CommandName(Command command) => command switch
    {
        { Connect: not null } => "connect",
        { Subscribe: not null } => "subscribe",
        { Unsubscribe: not null } => "unsubscribe",
        { Publish: not null } => "publish",
        { Presence: not null } => "presence",
        { PresenceStats: not null } => "presence_stats",
        { History: not null } => "history",
        { Rpc: not null } => "rpc",
        { Refresh: not null } => "refresh",
        { SubRefresh: not null } => "sub_refresh",
        _ => "command",
    };

    private void OnWriteFailed(Exception exception)
    {
        CoreLog.WriteFailed(_node.Log, Id, exception);
        CloseInBackground(Disconnect.WriteError);
    }

    /// <summary>Starts <see cref="CloseAsync"/> from a callback that cannot await (timer, writer, slow path).</summary>
    internal void CloseInBackground(Disconnect disconnect)
    {
        var closing = CloseAsync(disconnect);
        if (!closing.IsCompletedSuccessfully)
        {
            _ = closing.AsTask();
        }
    }

    /// <summary>
    /// <see cref="CloseInBackground"/> as a thread-pool work item, for callers that must not run the close themselves
    /// (a broadcast, the node's shared deadline run): closing leaves channels and may wait on the broker.
    /// </summary>
    private void CloseOnThreadPool(Disconnect disconnect) =>
        ThreadPool.UnsafeQueueUserWorkItem(static s => s.Client.CloseInBackground(s.Disconnect), (Client: this, Disconnect: disconnect), preferLocal: false);

    private long Now() => _node.Time.GetUtcNow().ToUnixTimeMilliseconds();
}
