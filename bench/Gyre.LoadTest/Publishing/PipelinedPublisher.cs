using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Gyre.LoadTest.Clients;

namespace Gyre.LoadTest.Publishing;

/// <summary>
/// Open-loop publisher: HTTP/1.1 POSTs on one keep-alive connection, pipelined, on a fixed schedule.
/// Publication <c>k</c> is due at <c>start + k/rate</c> and carries that scheduled time, so a server that
/// falls behind shows up as latency instead of silently slowing the publisher (no coordinated omission).
/// One connection keeps publications in order, so any reordering a subscriber sees is the server's.
/// </summary>
/// <remarks>
/// The loop wakes about once a millisecond and writes everything due in one send; the ≤1 ms batching is
/// part of the measured latency for every peer alike.
/// </remarks>
internal sealed class PipelinedPublisher : IDisposable
{
    private readonly Socket _socket;
    private readonly string _path;
    private readonly string _apiKey;
    private readonly Thread _reader;
    private long _responses;
    private long _errors;
    private volatile bool _failed;
    private byte[] _payload = new byte[1024];

    public PipelinedPublisher(IPEndPoint server, string path, string apiKey)
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
        _socket.Connect(server);
        _path = path;
        _apiKey = apiKey;
        _reader = new Thread(ReadResponses) { IsBackground = true, Name = "publisher-responses" };
        _reader.Start();
    }

    public long Responses => Interlocked.Read(ref _responses);

    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Next sequence number; the stream continues across calls so subscribers see one ordered sequence.</summary>
    public long NextSequence { get; private set; } = 1;

    /// <summary>Publishes <paramref name="count"/> payloads of <paramref name="payloadSize"/> bytes at <paramref name="rate"/> per second.</summary>
    public PublishResult Run(string channel, double rate, long count, int payloadSize, CancellationToken ct)
    {
        var frequency = Stopwatch.Frequency;
        var start = Stopwatch.GetTimestamp() + (frequency / 1000);
        var sent = 0L;
        var maxLagTicks = 0L;
        var buffer = new byte[256 * 1024];
        var errorsBefore = Errors;
        var responsesBefore = Responses;
        while (sent < count && !ct.IsCancellationRequested && !_failed)
        {
            var now = Stopwatch.GetTimestamp();
            var due = Math.Min(count, (long)((now - start) * rate / frequency) + 1);
            if (now < start || due <= sent)
            {
                Thread.Sleep(1);
                continue;
            }

            maxLagTicks = Math.Max(maxLagTicks, now - Scheduled(start, sent, rate, frequency));
            var length = 0;
            while (sent < due)
            {
                if (length + payloadSize + 512 > buffer.Length)
                {
                    Send(buffer, length);
                    length = 0;
                }

                length += FormatRequest(buffer.AsSpan(length), channel, NextSequence++, Scheduled(start, sent, rate, frequency), payloadSize);
                sent++;
            }

            Send(buffer, length);
        }

        // Wait for the answers, so the caller knows what the server accepted.
        var deadline = Stopwatch.GetTimestamp() + (10 * frequency);
        while (Responses - responsesBefore < sent && Stopwatch.GetTimestamp() < deadline && !_failed)
        {
            Thread.Sleep(2);
        }

        return new PublishResult(
            sent,
            Responses - responsesBefore,
            Errors - errorsBefore + (sent - (Responses - responsesBefore)),
            maxLagTicks * 1000.0 / frequency);
    }

    private static long Scheduled(long start, long index, double rate, long frequency) => start + (long)(index * frequency / rate);

    private void Send(byte[] buffer, int length)
    {
        try
        {
            var offset = 0;
            while (offset < length)
            {
                offset += _socket.Send(buffer, offset, length - offset, SocketFlags.None);
            }
        }
        catch (SocketException)
        {
            _failed = true;
        }
    }

    /// <summary>Writes one request; the payload is <c>{"q":SEQ,"t":TICKS,"p":"xx…"}</c> padded to exactly <paramref name="payloadSize"/> bytes.</summary>
    private int FormatRequest(Span<byte> into, string channel, long seq, long scheduled, int payloadSize)
    {
        var data = _payload.Length >= Math.Max(payloadSize, 64) ? _payload : _payload = new byte[Math.Max(payloadSize, 64)];
        var w = new SpanWriter(data);
        w.Write("{\"q\":"u8);
        w.Write(seq);
        w.Write(",\"t\":"u8);
        w.Write(scheduled);
        w.Write(",\"p\":\""u8);
        var pad = Math.Max(0, payloadSize - w.Length - 2);
        data.AsSpan(w.Length, pad).Fill((byte)'x');
        var dataLength = w.Length + pad;
        data[dataLength++] = (byte)'"';
        data[dataLength++] = (byte)'}';

        var channelBytes = Encoding.UTF8.GetByteCount(channel);
        var bodyLength = 12 + channelBytes + 9 + dataLength + 1;
        var r = new SpanWriter(into);
        r.Write("POST "u8);
        r.Write(Encoding.ASCII.GetBytes(_path));
        r.Write(" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-API-Key: "u8);
        r.Write(Encoding.ASCII.GetBytes(_apiKey));
        r.Write("\r\nContent-Length: "u8);
        r.Write(bodyLength);
        r.Write("\r\n\r\n{\"channel\":\""u8);
        r.Write(Encoding.UTF8.GetBytes(channel));
        r.Write("\",\"data\":"u8);
        r.Write(data.AsSpan(0, dataLength));
        r.WriteByte((byte)'}');
        return r.Length;
    }

    /// <summary>Counts pipelined responses: status line, headers, then a Content-Length or chunked body.</summary>
    private void ReadResponses()
    {
        var buffer = new byte[256 * 1024];
        var length = 0;
        try
        {
            while (true)
            {
                var n = _socket.Receive(buffer, length, buffer.Length - length, SocketFlags.None);
                if (n == 0)
                {
                    break;
                }

                length += n;
                var offset = 0;
                while (TryParseResponse(buffer.AsSpan(offset, length - offset), out var consumed, out var ok))
                {
                    offset += consumed;
                    Interlocked.Increment(ref _responses);
                    if (!ok)
                    {
                        Interlocked.Increment(ref _errors);
                    }
                }

                buffer.AsSpan(offset, length - offset).CopyTo(buffer);
                length -= offset;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Closed at the end of the run.
        }

        _failed = true;
    }

    private static bool TryParseResponse(ReadOnlySpan<byte> data, out int consumed, out bool ok)
    {
        consumed = 0;
        ok = false;
        var headersEnd = data.IndexOf("\r\n\r\n"u8);
        if (headersEnd < 0)
        {
            return false;
        }

        var head = data[..headersEnd];
        ok = head.Length > 12 && head[9] == (byte)'2';
        var bodyStart = headersEnd + 4;
        var contentLength = FindHeader(head, "content-length:"u8);
        if (contentLength >= 0)
        {
            if (data.Length < bodyStart + contentLength)
            {
                return false;
            }

            consumed = bodyStart + contentLength;
            return true;
        }

        if (FindHeader(head, "transfer-encoding:"u8) == -2)
        {
            // Chunked: walk chunks until the zero-size one and its trailing CRLF.
            var at = bodyStart;
            while (true)
            {
                var lineEnd = data[at..].IndexOf("\r\n"u8);
                if (lineEnd < 0)
                {
                    return false;
                }

                if (!Utf8Parser.TryParse(data.Slice(at, lineEnd), out int size, out _, 'x'))
                {
                    size = 0;
                }

                at += lineEnd + 2;
                if (data.Length < at + size + 2)
                {
                    return false;
                }

                at += size + 2;
                if (size == 0)
                {
                    consumed = at;
                    return true;
                }
            }
        }

        consumed = bodyStart;
        return true;
    }

    /// <summary>Content-Length value, -2 for a present Transfer-Encoding header, -1 when absent.</summary>
    private static int FindHeader(ReadOnlySpan<byte> head, ReadOnlySpan<byte> name)
    {
        Span<byte> lower = head.Length <= 4096 ? stackalloc byte[head.Length] : new byte[head.Length];
        for (var i = 0; i < head.Length; i++)
        {
            var b = head[i];
            lower[i] = b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + 32) : b;
        }

        var at = ((ReadOnlySpan<byte>)lower).IndexOf(name);
        if (at < 0)
        {
            return -1;
        }

        if (name[0] == (byte)'t')
        {
            return -2;
        }

        var value = head[(at + name.Length)..].TrimStart((byte)' ');
        return Utf8Parser.TryParse(value, out int n, out _) ? n : -1;
    }

    public void Dispose()
    {
        _socket.Dispose();
        _reader.Join(1000);
    }
}

internal readonly record struct PublishResult(long Sent, long Accepted, long Errors, double MaxLagMs);
