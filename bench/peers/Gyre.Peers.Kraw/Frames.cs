using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gyre.Peers.Kraw;

/// <summary>RFC 6455 framing for the server side, and the publish body parser.</summary>
internal static class Frames
{
    public static readonly byte[] Ok = [0x81, 2, (byte)'o', (byte)'k'];
    public static readonly byte[] Ping = [0x89, 0];
    public static readonly byte[] Close = [0x88, 2, 0x03, 0xE8];

    /// <summary>RFC 6455 §4.2.2: SHA-1 is what the protocol mandates here, not a security choice.</summary>
#pragma warning disable CA5350
    public static string AcceptKey(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350

    /// <summary>An unmasked text frame around <paramref name="payload"/>, built once per publication.</summary>
    public static byte[] Text(ReadOnlySpan<byte> payload) => Frame(0x1, payload);

    public static byte[] Pong(ReadOnlySpan<byte> payload) => Frame(0xA, payload);

    private static byte[] Frame(int opcode, ReadOnlySpan<byte> payload)
    {
        var header = payload.Length < 126 ? 2 : payload.Length <= ushort.MaxValue ? 4 : 10;
        var frame = new byte[header + payload.Length];
        frame[0] = (byte)(0x80 | opcode);
        if (header == 2)
        {
            frame[1] = (byte)payload.Length;
        }
        else if (header == 4)
        {
            frame[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }
        else
        {
            frame[1] = 127;
            BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
        }

        payload.CopyTo(frame.AsSpan(header));
        return frame;
    }

    /// <summary>Parses one masked client frame and unmasks its payload in place.</summary>
    public static bool TryReadClientFrame(Span<byte> data, out int opcode, out Span<byte> payload, out int consumed)
    {
        opcode = 0;
        payload = default;
        consumed = 0;
        if (data.Length < 2)
        {
            return false;
        }

        opcode = data[0] & 0x0F;
        var masked = (data[1] & 0x80) != 0;
        long length = data[1] & 0x7F;
        var at = 2;
        if (length == 126)
        {
            if (data.Length < 4)
            {
                return false;
            }

            length = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
            at = 4;
        }
        else if (length == 127)
        {
            if (data.Length < 10)
            {
                return false;
            }

            length = (long)BinaryPrimitives.ReadUInt64BigEndian(data[2..]);
            at = 10;
        }

        var maskAt = at;
        if (masked)
        {
            at += 4;
        }

        if (data.Length < at + length)
        {
            return false;
        }

        payload = data.Slice(at, (int)length);
        if (masked)
        {
            var key = data.Slice(maskAt, 4);
            for (var i = 0; i < payload.Length; i++)
            {
                payload[i] ^= key[i & 3];
            }
        }

        consumed = at + (int)length;
        return true;
    }

    public static async Task<byte[]> ReadBodyAsync(PipeReader reader, CancellationToken ct)
    {
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            if (result.IsCompleted)
            {
                var body = result.Buffer.ToArray();
                reader.AdvanceTo(result.Buffer.End);
                return body;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary><c>{"channel":"…","data":…}</c>: the channel name and the raw JSON bytes of <c>data</c>.</summary>
    public static bool TryParsePublish(byte[] body, out string channel, out ReadOnlySpan<byte> data)
    {
        channel = "";
        data = default;
        var reader = new Utf8JsonReader(body);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("channel"u8))
            {
                reader.Read();
                channel = reader.GetString() ?? "";
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                data = body.AsSpan(start, (int)reader.BytesConsumed - start);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return channel.Length > 0 && !data.IsEmpty;
    }
}
