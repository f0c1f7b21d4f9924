using System.Buffers;
using System.IO.Pipelines;
using Gyre.Core;
using Gyre.Core.Errors;
using Gyre.Protocol;
using Microsoft.AspNetCore.Http;
using Push = Gyre.Protocol.Messages.Push;
using Reply = Gyre.Protocol.Messages.Reply;
using WireDisconnect = Gyre.Protocol.Messages.Disconnect;

namespace Gyre.AspNetCore.Streaming;

/// <summary>
/// The server-to-client half of HTTP-streaming and SSE, bidirectional (emulation) and unidirectional: the client's
/// writer frames go into the response body, one flush per frame.
/// </summary>
/// <remarks>
/// Messages are written straight into Kestrel's response <see cref="PipeWriter"/>, so a frame costs no copy beyond
/// the pipe's own buffer. Every flush has the same 1 s deadline as a WebSocket write: a reader that stops draining
/// its TCP window costs at most that long before the client is disconnected with 3009.
/// </remarks>
internal sealed class HttpStreamingTransport : ITransport, IWriteDeadline
{
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(1);
    private static readonly long WriteTimeoutMs = (long)WriteTimeout.TotalMilliseconds;

    private readonly HttpContext _context;
    private readonly HttpResponse _response;
    private readonly PipeWriter _body;
    private readonly StreamFraming _framing;
    private bool _started;
    private WriteClock _flush;

    public HttpStreamingTransport(HttpContext context, string name, ProtocolType protocol, StreamFraming framing, bool unidirectional)
    {
        _context = context;
        _response = context.Response;
        _body = context.Response.BodyWriter;
        _framing = framing;
        Name = name;
        Protocol = protocol;
        Unidirectional = unidirectional;
    }

    public string Name { get; }

    public ProtocolType Protocol { get; }

    public bool Unidirectional { get; }

    public bool Emulation => !Unidirectional;

    /// <summary>Whether the response status and headers are committed (a connect code can no longer become an HTTP status).</summary>
    public bool Started => _started;

    /// <summary>Sends the status line and headers now, and for SSE the opening <c>\r\n</c>, so the client sees the stream open.</summary>
    public ValueTask StartAsync()
    {
        Start();
        return FlushAsync();
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> frame)
    {
        Start();
        Append(frame.Span);
        return FlushAsync();
    }

    public async ValueTask CloseAsync(Disconnect disconnect)
    {
        // Emulation clients learn the code only from a disconnect push: without it they see a closed stream and
        // reconnect even after a terminal code.
        if (disconnect == Disconnect.ConnectionClosed)
        {
            return;
        }

        try
        {
            var codec = ProtocolCodec.For(Protocol, Unidirectional);
            var push = new Push { Disconnect = new WireDisconnect { Code = disconnect.Code, Reason = disconnect.Reason, Reconnect = disconnect.Reconnect } };
            await WriteAsync(codec.EncodeReply(new Reply { Push = push })).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or TimeoutException or ObjectDisposedException or InvalidOperationException)
        {
            // The peer is gone; ending the response is all that is left.
        }
    }

    private void Start()
    {
        if (_started)
        {
            return;
        }

        _started = true;
        StreamHeaders.Apply(_response);
        if (_framing == StreamFraming.EventStream)
        {
            _response.ContentType = "text/event-stream; charset=utf-8";
            _body.Write("\r\n"u8);
        }
    }

    private void Append(ReadOnlySpan<byte> frame)
    {
        switch (_framing)
        {
            case StreamFraming.Delimited:
                _body.Write(frame);
                break;
            case StreamFraming.Lines:
                _body.Write(frame);
                _body.Write("\n"u8);
                break;
            default:
                // JSON messages never contain a raw newline, so the frame's separators split it into messages.
                while (!frame.IsEmpty)
                {
                    var newline = frame.IndexOf((byte)'\n');
                    var message = newline < 0 ? frame : frame[..newline];
                    frame = newline < 0 ? default : frame[(newline + 1)..];
                    if (message.IsEmpty)
                    {
                        continue;
                    }

                    _body.Write("data: "u8);
                    _body.Write(message);
                    _body.Write("\n\n"u8);
                }

                break;
        }
    }

    private async ValueTask FlushAsync()
    {
        // The deadline is enforced by the shared sweep (WriteDeadlines), which aborts the request. (Kestrel's response
        // writer does not end a flush waiting on the peer's TCP window for CancelPendingFlush.)
        _flush.Begin();
        FlushResult result;
        try
        {
            result = await WriteDeadlines.Shared.WatchIfPending(this, _body.FlushAsync()).ConfigureAwait(false);
        }
        catch (Exception e) when (_flush.TimedOut)
        {
            throw new TimeoutException($"{Name} flush did not finish within {WriteTimeout.TotalMilliseconds} ms", e);
        }
        finally
        {
            _flush.End();
        }

        if (_flush.TimedOut)
        {
            throw new TimeoutException($"{Name} flush did not finish within {WriteTimeout.TotalMilliseconds} ms");
        }

        if (result.IsCompleted || result.IsCanceled)
        {
            throw new IOException($"{Name} response closed by the peer");
        }
    }

    /// <inheritdoc/>
    public void Sweep(long now)
    {
        if (_flush.Expire(now, WriteTimeoutMs))
        {
            _context.Abort();
        }
    }
}
