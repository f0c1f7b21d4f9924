using System.Buffers.Text;
using System.Text;
using Gyre.Core.Engine;

namespace Gyre.Redis;

/// <summary>What a PUB/SUB message on a channel's Redis channel carries.</summary>
internal enum RedisMessageKind
{
    /// <summary>A <c>Publication</c> protobuf, with a stream position when it went into history.</summary>
    Publication,

    /// <summary>A <c>ClientInfo</c> protobuf of a client that joined.</summary>
    Join,

    /// <summary>A <c>ClientInfo</c> protobuf of a client that left.</summary>
    Leave,
}

/// <summary>
/// Framing of PUB/SUB messages, the same as Centrifugo's so the two read each other's channels:
/// <c>__p1:{offset}:{epoch}__{Publication}</c> for a publication with history (the publish script writes it),
/// a bare <c>Publication</c> protobuf without history, <c>__j__{ClientInfo}</c> and <c>__l__{ClientInfo}</c> for joins and leaves.
/// </summary>
/// <remarks>
/// A bare protobuf can never be mistaken for a header: <c>_</c> (0x5F) as a first byte would be field 11 with
/// wire type 7, which does not exist.
/// </remarks>
internal static class RedisMessage
{
    private static ReadOnlySpan<byte> Marker => "__"u8;

    public static ReadOnlySpan<byte> JoinPrefix => "__j__"u8;

    public static ReadOnlySpan<byte> LeavePrefix => "__l__"u8;

    private static ReadOnlySpan<byte> PositionPrefix => "__p1:"u8;

    /// <summary>Prefixes a <c>ClientInfo</c> protobuf with the join or leave marker.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[prefix.Length + payload.Length];
        prefix.CopyTo(frame);
        payload.CopyTo(frame.AsSpan(prefix.Length));
        return frame;
    }

    /// <summary>Splits a message into its kind, stream position and protobuf payload.</summary>
    /// <param name="data">The message as received.</param>
    /// <param name="kind">What the payload is.</param>
    /// <param name="offset">Offset of a publication with history; 0 otherwise.</param>
    /// <param name="epoch">Epoch bytes of a publication with history; empty otherwise.</param>
    /// <param name="payload">The protobuf bytes.</param>
    /// <returns>False for a malformed or unknown frame (for example Centrifugo's delta frames, which Gyre does not send).</returns>
    public static bool TryParse(ReadOnlySpan<byte> data, out RedisMessageKind kind, out ulong offset, out ReadOnlySpan<byte> epoch, out ReadOnlySpan<byte> payload)
    {
        kind = RedisMessageKind.Publication;
        offset = 0;
        epoch = default;
        payload = data;
        if (!data.StartsWith(Marker))
        {
            return true;
        }

        if (data.StartsWith(JoinPrefix) || data.StartsWith(LeavePrefix))
        {
            kind = data[2] == (byte)'j' ? RedisMessageKind.Join : RedisMessageKind.Leave;
            payload = data[JoinPrefix.Length..];
            return true;
        }

        if (!data.StartsWith(PositionPrefix))
        {
            return false;
        }

        var header = data[PositionPrefix.Length..];
        var end = header.IndexOf(Marker);
        if (end < 0)
        {
            return false;
        }

        payload = header[(end + Marker.Length)..];
        header = header[..end];
        var colon = header.IndexOf((byte)':');
        if (colon <= 0 || !Utf8Parser.TryParse(header[..colon], out offset, out var consumed) || consumed != colon)
        {
            return false;
        }

        epoch = header[(colon + 1)..];
        return true;
    }

    /// <summary>Turns epoch bytes into a string, reusing <paramref name="last"/> when it is the same epoch (it almost always is).</summary>
    public static string Epoch(ReadOnlySpan<byte> epoch, string? last)
    {
        if (last is not null && last.Length == epoch.Length && Ascii.Equals(epoch, last))
        {
            return last;
        }

        return Encoding.ASCII.GetString(epoch);
    }

    /// <summary>The position a parsed publication carries.</summary>
    public static StreamPosition Position(ulong offset, string epoch) => offset == 0 ? StreamPosition.None : new StreamPosition(offset, epoch);
}
