using Google.Protobuf;
using Gyre.Protocol.Messages;

namespace Gyre.Protocol.Protobuf;

/// <summary>The Protobuf encoding: every message prefixed by its length as an unsigned varint.</summary>
internal sealed class ProtobufProtocolCodec : ProtocolCodec
{
    private static readonly byte[] ZeroLength = [0];

    public override ProtocolType Type => ProtocolType.Protobuf;

    public override ReadOnlyMemory<byte> FrameSeparator => ReadOnlyMemory<byte>.Empty;

    public override ReadOnlyMemory<byte> EmptyReply => ZeroLength;

    public override void DecodeCommands(ReadOnlySpan<byte> frame, int maxCommandSize, List<Command> commands)
    {
        if (frame.IsEmpty)
        {
            throw new ProtocolException("frame holds no commands");
        }

        while (!frame.IsEmpty)
        {
            if (!Varint.TryRead(frame, out var length, out var prefix))
            {
                throw new ProtocolException("truncated varint length prefix");
            }

            if (length > (ulong)maxCommandSize)
            {
                throw new ProtocolException($"command of {length} bytes exceeds the {maxCommandSize}-byte limit");
            }

            frame = frame[prefix..];
            if ((ulong)frame.Length < length)
            {
                throw new ProtocolException("truncated command");
            }

            try
            {
                commands.Add(Command.Parser.ParseFrom(frame[..(int)length]));
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new ProtocolException("malformed protobuf command: " + e.Message, e);
            }

            frame = frame[(int)length..];
        }
    }

    public override byte[] EncodeReply(Reply reply) => Delimited(reply);

    public override byte[] EncodePublicationPush(string channel, Publication publication) =>
        Delimited(new Reply { Push = new Push { Channel = channel, Pub = publication } });

    public override byte[] EncodePush(Push push) => Delimited(push);

    internal static byte[] Delimited(IMessage message)
    {
        var size = message.CalculateSize();
        var result = new byte[Varint.Size((ulong)size) + size];
        var written = Varint.Write(result, (ulong)size);
        message.WriteTo(result.AsSpan(written));
        return result;
    }
}

/// <summary>Unsigned LEB128 varints, the length prefix of delimited Protobuf messages.</summary>
internal static class Varint
{
    public static int Size(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    public static int Write(Span<byte> destination, ulong value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    public static bool TryRead(ReadOnlySpan<byte> source, out ulong value, out int consumed)
    {
        value = 0;
        for (var i = 0; i < Math.Min(source.Length, 10); i++)
        {
            value |= (ulong)(source[i] & 0x7F) << (7 * i);
            if (source[i] < 0x80)
            {
                consumed = i + 1;
                return true;
            }
        }

        consumed = 0;
        return false;
    }
}
