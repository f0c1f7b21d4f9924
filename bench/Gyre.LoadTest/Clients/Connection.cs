using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Gyre.LoadTest.Adapters;

namespace Gyre.LoadTest.Clients;

/// <summary>
/// One client WebSocket over a raw <see cref="Socket"/>: HTTP upgrade, masked client frames, unmasked server
/// frames parsed in place. After the handshake a single receive loop waits with a zero-byte read, rents a
/// 64 KB buffer only when data is there, hands every complete message to the protocol adapter and keeps a
/// partial frame (if any) in a small per-connection carry buffer.
/// </summary>
/// <remarks>
/// Measured against <see cref="System.Net.WebSockets.ClientWebSocket"/> on the same broadcast
/// (bench/README.md, "Which client"): the raw client spends less generator CPU per delivery because one
/// socket read yields many frames, which are parsed without a per-frame await.
/// </remarks>
internal sealed class Connection : IDisposable
{
    /// <summary>Read size once data is available: large enough that a busy connection drains its socket in one call.</summary>
    private const int ReadSize = 64 * 1024;

    private static readonly byte[] UpgradeTail = "\r\n\r\n"u8.ToArray();

    private readonly Socket _socket;
    private readonly Lock _sendLock = new();
    private readonly uint _mask;
    private byte[] _carry = [];
    private int _carryLength;
    private byte[]? _fragment;
    private int _fragmentLength;
    private int _fragmentOpcode;
    private volatile bool _closed;

    public Connection(int index, ProtocolAdapter adapter)
    {
        Index = index;
        Adapter = adapter;
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
        _mask = (uint)Random.Shared.Next(1, int.MaxValue);
    }

    public int Index { get; }

    public ProtocolAdapter Adapter { get; }

    /// <summary>Sequence tracking for broadcast deliveries (touched only by the receive loop).</summary>
    public SequenceTracker Sequence;

    /// <summary>Scheduled send times of in-flight echo commands, by id modulo the ring size.</summary>
    public long[]? EchoSchedule { get; set; }

    public long EchoCompleted { get; set; }

    public long EchoSent { get; set; }

    /// <summary>Adapter-owned per-connection state (ack ids and the like).</summary>
    public int AdapterCounter { get; set; }

    public bool Closed => _closed;

    /// <summary><see cref="Stopwatch"/> time of the last read that carried data.</summary>
    public long LastReceive { get; private set; }

    /// <summary>TCP connect from <paramref name="source"/>, then the HTTP/1.1 upgrade.</summary>
    public async Task OpenAsync(IPEndPoint server, IPAddress source, string pathAndQuery, string? subprotocol, CancellationToken ct)
    {
        _socket.Bind(new IPEndPoint(source, 0));
        await _socket.ConnectAsync(server, ct).ConfigureAwait(false);
        var request = new StringBuilder()
            .Append("GET ").Append(pathAndQuery).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(server).Append("\r\n")
            .Append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
            .Append("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
        if (subprotocol is not null)
        {
            request.Append("Sec-WebSocket-Protocol: ").Append(subprotocol).Append("\r\n");
        }

        request.Append("\r\n");
        await _socket.SendAsync(Encoding.ASCII.GetBytes(request.ToString()), SocketFlags.None, ct).ConfigureAwait(false);

        var buffer = new byte[4096];
        var length = 0;
        while (true)
        {
            var n = await _socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, ct).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("server closed during the upgrade");
            }

            length += n;
            var end = buffer.AsSpan(0, length).IndexOf(UpgradeTail);
            if (end >= 0)
            {
                var head = Encoding.ASCII.GetString(buffer, 0, end);
                if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
                {
                    throw new IOException("upgrade refused: " + head.Split('\r')[0]);
                }

                var rest = length - end - UpgradeTail.Length;
                if (rest > 0)
                {
                    Append(buffer.AsSpan(end + UpgradeTail.Length, rest));
                }

                return;
            }

            if (length == buffer.Length)
            {
                throw new IOException("upgrade response too large");
            }
        }
    }

    /// <summary>Reads the next whole data message during the handshake (answers pings on the way).</summary>
    public async Task<(int Opcode, byte[] Payload)> ReadMessageAsync(CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            if (TryTakeMessage(out var message))
            {
                return message;
            }

            var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, ct).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException("server closed during the handshake");
            }

            Append(buffer.AsSpan(0, n));
        }
    }

    /// <summary>The steady-state receive loop; ends when the server closes or the socket fails.</summary>
    public async Task ReceiveLoopAsync()
    {
        var pool = ArrayPool<byte>.Shared;
        try
        {
            while (!_closed)
            {
                // Zero-byte read: no buffer is held while the connection waits (a partial frame stays in the carry).
                await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);

                var buffer = pool.Rent(Math.Max(ReadSize, _carryLength * 2));
                try
                {
                    _carry.AsSpan(0, _carryLength).CopyTo(buffer);
                    var n = await _socket.ReceiveAsync(buffer.AsMemory(_carryLength), SocketFlags.None).ConfigureAwait(false);
                    if (n == 0)
                    {
                        break;
                    }

                    var total = _carryLength + n;
                    var now = Stopwatch.GetTimestamp();
                    LastReceive = now;
                    var consumed = ParseFrames(buffer.AsSpan(0, total), now);
                    _carryLength = 0;
                    if (consumed < total)
                    {
                        Append(buffer.AsSpan(consumed, total - consumed));
                    }
                }
                finally
                {
                    pool.Return(buffer);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            // The server dropped us: counted by the caller as a closed connection.
        }
        finally
        {
            _closed = true;
        }
    }

    /// <summary>Sends one masked frame; safe from any thread.</summary>
    public void SendFrame(int opcode, ReadOnlySpan<byte> payload)
    {
        var headerLength = payload.Length < 126 ? 6 : payload.Length <= ushort.MaxValue ? 8 : 14;
        var total = headerLength + payload.Length;
        var rented = total <= 1024 ? null : ArrayPool<byte>.Shared.Rent(total);
        Span<byte> frame = rented is null ? stackalloc byte[total] : rented.AsSpan(0, total);
        frame[0] = (byte)(0x80 | opcode);
        int maskAt;
        if (payload.Length < 126)
        {
            frame[1] = (byte)(0x80 | payload.Length);
            maskAt = 2;
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            frame[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame[2..], (ushort)payload.Length);
            maskAt = 4;
        }
        else
        {
            frame[1] = 0x80 | 127;
            BinaryPrimitives.WriteUInt64BigEndian(frame[2..], (ulong)payload.Length);
            maskAt = 10;
        }

        BinaryPrimitives.WriteUInt32BigEndian(frame[maskAt..], _mask);
        var body = frame[(maskAt + 4)..];
        Span<byte> key = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(key, _mask);
        for (var i = 0; i < payload.Length; i++)
        {
            body[i] = (byte)(payload[i] ^ key[i & 3]);
        }

        try
        {
            lock (_sendLock)
            {
                var sent = 0;
                while (sent < frame.Length)
                {
                    sent += _socket.Send(frame[sent..], SocketFlags.None);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            _closed = true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    public void SendText(ReadOnlySpan<byte> payload) => SendFrame(0x1, payload);

    public void SendText(string payload) => SendFrame(0x1, Encoding.UTF8.GetBytes(payload));

    public void SendBinary(ReadOnlySpan<byte> payload) => SendFrame(0x2, payload);

    /// <summary>Sends a close frame and shuts the socket down.</summary>
    public void Close()
    {
        if (_closed)
        {
            return;
        }

        SendFrame(0x8, [0x03, 0xE8]);
        _closed = true;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>Parses every complete frame in <paramref name="data"/>; returns how many bytes were consumed.</summary>
    private int ParseFrames(ReadOnlySpan<byte> data, long now)
    {
        var offset = 0;
        while (TryParseFrame(data[offset..], out var fin, out var opcode, out var payload, out var frameLength))
        {
            offset += frameLength;
            Dispatch(fin, opcode, payload, now);
        }

        return offset;
    }

    private void Dispatch(bool fin, int opcode, ReadOnlySpan<byte> payload, long now)
    {
        switch (opcode)
        {
            case 0x9:
                SendFrame(0xA, payload);
                return;
            case 0xA:
                return;
            case 0x8:
                _closed = true;
                return;
            case 0x0:
                AppendFragment(payload);
                if (fin && _fragment is not null)
                {
                    Adapter.OnMessage(this, _fragmentOpcode, _fragment.AsSpan(0, _fragmentLength), now);
                    _fragment = null;
                    _fragmentLength = 0;
                }

                return;
            default:
                if (fin)
                {
                    Adapter.OnMessage(this, opcode, payload, now);
                }
                else
                {
                    _fragmentOpcode = opcode;
                    _fragmentLength = 0;
                    AppendFragment(payload);
                }

                return;
        }
    }

    private void AppendFragment(ReadOnlySpan<byte> payload)
    {
        _fragment ??= new byte[Math.Max(4096, payload.Length)];
        if (_fragmentLength + payload.Length > _fragment.Length)
        {
            Array.Resize(ref _fragment, Math.Max(_fragment.Length * 2, _fragmentLength + payload.Length));
        }

        payload.CopyTo(_fragment.AsSpan(_fragmentLength));
        _fragmentLength += payload.Length;
    }

    /// <summary>Handshake-time variant: takes one complete data message out of the carry buffer.</summary>
    private bool TryTakeMessage(out (int Opcode, byte[] Payload) message)
    {
        while (TryParseFrame(_carry.AsSpan(0, _carryLength), out var fin, out var opcode, out var payload, out var frameLength))
        {
            byte[]? whole = null;
            if (opcode == 0x9)
            {
                SendFrame(0xA, payload);
            }
            else if (opcode == 0x8)
            {
                throw new IOException("server closed during the handshake");
            }
            else if (opcode is 0x1 or 0x2 && fin)
            {
                whole = payload.ToArray();
            }

            var rest = _carryLength - frameLength;
            _carry.AsSpan(frameLength, rest).CopyTo(_carry);
            _carryLength = rest;
            if (whole is not null)
            {
                message = (opcode, whole);
                return true;
            }
        }

        message = default;
        return false;
    }

    private static bool TryParseFrame(ReadOnlySpan<byte> data, out bool fin, out int opcode, out ReadOnlySpan<byte> payload, out int frameLength)
    {
        fin = false;
        opcode = 0;
        payload = default;
        frameLength = 0;
        if (data.Length < 2)
        {
            return false;
        }

        fin = (data[0] & 0x80) != 0;
        opcode = data[0] & 0x0F;
        long length = data[1] & 0x7F;
        var header = 2;
        if (length == 126)
        {
            if (data.Length < 4)
            {
                return false;
            }

            length = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
            header = 4;
        }
        else if (length == 127)
        {
            if (data.Length < 10)
            {
                return false;
            }

            length = (long)BinaryPrimitives.ReadUInt64BigEndian(data[2..]);
            header = 10;
        }

        if (data.Length < header + length)
        {
            return false;
        }

        payload = data.Slice(header, (int)length);
        frameLength = header + (int)length;
        return true;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_carryLength + bytes.Length > _carry.Length)
        {
            Array.Resize(ref _carry, Math.Max(Math.Max(256, _carry.Length * 2), _carryLength + bytes.Length));
        }

        bytes.CopyTo(_carry.AsSpan(_carryLength));
        _carryLength += bytes.Length;
    }
}
