using System.Buffers;
using System.Net.WebSockets;
using Gyre.Core;
using Gyre.Core.Errors;
using Gyre.Protocol;
using Push = Gyre.Protocol.Messages.Push;
using Reply = Gyre.Protocol.Messages.Reply;
using WireDisconnect = Gyre.Protocol.Messages.Disconnect;

namespace Gyre.AspNetCore.WebSockets;

/// <summary>
/// The bidirectional WebSocket transport: one receive loop that hands whole messages to the client, and the
/// send side that the client's writer drives. Nothing here knows the protocol.
/// </summary>
/// <remarks>
/// The receive loop waits with a zero-byte read and rents a buffer only once data arrives, so an idle
/// connection holds no receive buffer (Kestrel/SignalR measured ~14 KB → a few hundred bytes of GC heap per
/// idle socket this way). A message larger than the size limit closes the connection with 1009, which
/// centrifuge-js treats as terminal, exactly like Centrifugo's read limit.
/// </remarks>
internal sealed class WebSocketTransport : ITransport, IWriteDeadline
{
    /// <summary>How long the server waits for the client's close frame after sending its own, as Centrifuge does.</summary>
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Transport-level close for an oversized message (RFC 6455 1009).</summary>
    private static readonly Disconnect MessageTooBig = new(1009, "message too big");

    private readonly WebSocket _socket;
    private readonly WebSocketMessageType _messageType;
    private readonly TimeSpan _writeTimeout;
    private readonly long _writeTimeoutMs;
    private readonly int _compressionMinSize;
    private readonly TaskCompletionSource _receiveDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _messagePerPush;
    private readonly bool _disconnectPush;

    private WriteClock _write;

    /// <param name="socket">The accepted socket.</param>
    /// <param name="protocol">The connection's encoding.</param>
    /// <param name="writeTimeout">How long one frame may take to write.</param>
    /// <param name="compressionMinSize">
    /// With permessage-deflate negotiated, frames of at most this many bytes are sent uncompressed; 0 compresses
    /// every frame. Without deflate the runtime ignores the flag.
    /// </param>
    public WebSocketTransport(WebSocket socket, ProtocolType protocol, TimeSpan writeTimeout, int compressionMinSize = 0)
    {
        _compressionMinSize = compressionMinSize;
        _socket = socket;
        Protocol = protocol;
        _messageType = protocol == ProtocolType.Protobuf ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
        _writeTimeout = writeTimeout;
        _writeTimeoutMs = Math.Max(1, (long)writeTimeout.TotalMilliseconds);
        Name = "websocket";
    }

    /// <summary>The unidirectional WebSocket (<c>uni_websocket</c>): JSON pushes only, client messages after connect ignored.</summary>
    /// <param name="socket">The accepted socket.</param>
    /// <param name="options">The uni_websocket options.</param>
    public WebSocketTransport(WebSocket socket, UniWebSocketOptions options)
        : this(socket, ProtocolType.Json, options.WriteTimeout)
    {
        Name = "uni_websocket";
        Unidirectional = true;
        _messagePerPush = !options.JoinPushMessages;
        _disconnectPush = !options.DisableDisconnectPush;
    }

    public string Name { get; }

    public ProtocolType Protocol { get; }

    public bool Unidirectional { get; }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> frame)
    {
        if (_messagePerPush)
        {
            // One push per WebSocket message: a frame's JSON messages are separated by newlines, never contain one.
            while (!frame.IsEmpty)
            {
                var newline = frame.Span.IndexOf((byte)'\n');
                var message = newline < 0 ? frame : frame[..newline];
                frame = newline < 0 ? default : frame[(newline + 1)..];
                if (!message.IsEmpty)
                {
                    await SendAsync(message).ConfigureAwait(false);
                }
            }

            return;
        }

        await SendAsync(frame).ConfigureAwait(false);
    }

    private async ValueTask SendAsync(ReadOnlyMemory<byte> frame)
    {
        // The deadline is enforced by the shared sweep (WriteDeadlines), which aborts the socket: no timer per write.
        var flags = frame.Length > _compressionMinSize
            ? WebSocketMessageFlags.EndOfMessage
            : WebSocketMessageFlags.EndOfMessage | WebSocketMessageFlags.DisableCompression;
        _write.Begin();
        try
        {
            await WriteDeadlines.Shared.WatchIfPending(this, _socket.SendAsync(frame, _messageType, flags, CancellationToken.None)).ConfigureAwait(false);
        }
        catch (Exception e) when (_write.TimedOut)
        {
            throw new TimeoutException($"{Name} write did not finish within {_writeTimeout.TotalMilliseconds} ms", e);
        }
        finally
        {
            _write.End();
        }
    }

    /// <inheritdoc/>
    public void Sweep(long now)
    {
        if (_write.Expire(now, _writeTimeoutMs))
        {
            _socket.Abort();
        }
    }

    public async ValueTask CloseAsync(Disconnect disconnect)
    {
        if (disconnect == Disconnect.ConnectionClosed)
        {
            await FinishPeerCloseAsync().ConfigureAwait(false);
            return;
        }

        if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            _socket.Abort();
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(CloseHandshakeTimeout);
            if (_disconnectPush)
            {
                // uni_websocket clients may read only messages, not close frames: Centrifugo sends the reason as a push too.
                var push = new Push { Disconnect = new WireDisconnect { Code = disconnect.Code, Reason = disconnect.Reason, Reconnect = disconnect.Reconnect } };
                await _socket.SendAsync(ProtocolCodec.UniJson.EncodePush(push), _messageType, endOfMessage: true, timeout.Token).ConfigureAwait(false);
            }

            await _socket.CloseOutputAsync((WebSocketCloseStatus)disconnect.Code, disconnect.Reason, timeout.Token).ConfigureAwait(false);
            await _receiveDone.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The peer did not finish the handshake in time or is gone: drop the TCP connection.
        }
        finally
        {
            _socket.Abort();
        }
    }

    /// <summary>The peer closed first: answer its close frame (clients wait up to 30 s for it otherwise), then drop the socket.</summary>
    private async ValueTask FinishPeerCloseAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // Nothing left to be polite to.
        }
        finally
        {
            _socket.Abort();
        }
    }

    /// <summary>Runs the receive loop until the peer closes, the socket fails, or the client is closed.</summary>
    public async Task ReceiveAsync(Client client, int messageSizeLimit, CancellationToken aborted)
    {
        var dispatching = true;
        try
        {
            while (true)
            {
                var peek = await _socket.ReceiveAsync(Memory<byte>.Empty, aborted).ConfigureAwait(false);
                if (peek.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                var buffer = ArrayPool<byte>.Shared.Rent(4096);
                try
                {
                    var length = 0;
                    var tooBig = false;

                    // Never read more than one byte past the limit: that byte proves the message too big, and the
                    // rest is never inflated or buffered.
                    var cap = Math.Min(messageSizeLimit, Array.MaxLength - 1) + 1;
                    var capacity = Math.Min(buffer.Length, cap);
                    ValueWebSocketReceiveResult result = default;
                    do
                    {
                        if (length == capacity)
                        {
                            if (capacity == cap)
                            {
                                // Stop here rather than drain the rest: with deflate a 64 KB frame can inflate to
                                // ~64 MB, and an uncompressed sender could stream without end.
                                tooBig = true;
                                break;
                            }

                            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(cap, buffer.Length * 2));
                            buffer.AsSpan(0, length).CopyTo(bigger);
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = bigger;
                            capacity = Math.Min(buffer.Length, cap);
                        }

                        result = await _socket.ReceiveAsync(buffer.AsMemory(length, capacity - length), aborted).ConfigureAwait(false);
                        length += result.Count;
                    }
                    while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                    if (tooBig || length > messageSizeLimit)
                    {
                        // The writer sends the 1009 close frame. Closing the TCP connection while the rest of the
                        // message sits unread would make the kernel answer with a reset that can overtake that
                        // frame, so the rest is read and thrown away, 4 KB at a time, until the peer's close
                        // frame; CloseAsync aborts the socket after the 5 s handshake timeout at the latest.
                        await client.CloseAsync(MessageTooBig).ConfigureAwait(false);
                        var scratch = buffer.AsMemory(0, Math.Min(buffer.Length, 4096));
                        while ((await _socket.ReceiveAsync(scratch, aborted).ConfigureAwait(false)).MessageType != WebSocketMessageType.Close)
                        {
                        }

                        break;
                    }

                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }

                    if (Unidirectional)
                    {
                        // A uni client has nothing more to say after connect; Centrifugo reads and drops its messages.
                        continue;
                    }

                    if (dispatching && !await client.HandleFrameAsync(buffer.AsMemory(0, length)).ConfigureAwait(false))
                    {
                        dispatching = false;
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The peer vanished without a close handshake: an ordinary end of a connection.
        }
        finally
        {
            _receiveDone.TrySetResult();
            await client.CloseAsync(Disconnect.ConnectionClosed).ConfigureAwait(false);
        }
    }
}
