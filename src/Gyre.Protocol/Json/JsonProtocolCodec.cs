using System.Text.Json;
using Gyre.Protocol.Messages;

namespace Gyre.Protocol.Json;

/// <summary>The JSON encoding: one object per line, <c>bytes</c> as embedded raw JSON.</summary>
internal sealed class JsonProtocolCodec : ProtocolCodec
{
    private static readonly byte[] Newline = "\n"u8.ToArray();
    private static readonly byte[] EmptyObject = "{}"u8.ToArray();
    private static readonly JsonEncodedText PushName = JsonEncodedText.Encode("push");
    private static readonly JsonEncodedText ChannelName = JsonEncodedText.Encode("channel");
    private static readonly JsonEncodedText PubName = JsonEncodedText.Encode("pub");

    public override ProtocolType Type => ProtocolType.Json;

    public override ReadOnlyMemory<byte> FrameSeparator => Newline;

    public override ReadOnlyMemory<byte> EmptyReply => EmptyObject;

    public override void DecodeCommands(ReadOnlySpan<byte> frame, int maxCommandSize, List<Command> commands)
    {
        var before = commands.Count;
        while (!frame.IsEmpty)
        {
            var newline = frame.IndexOf((byte)'\n');
            var line = newline < 0 ? frame : frame[..newline];
            frame = newline < 0 ? default : frame[(newline + 1)..];
            line = line.Trim(" \t\r"u8);
            if (line.IsEmpty)
            {
                continue;
            }

            if (line.Length > maxCommandSize)
            {
                throw new ProtocolException($"command of {line.Length} bytes exceeds the {maxCommandSize}-byte limit");
            }

            commands.Add(ProtoJson.Parse(line, Command.Parser));
        }

        if (commands.Count == before)
        {
            throw new ProtocolException("frame holds no commands");
        }
    }

    public override byte[] EncodeReply(Reply reply) => ProtoJson.ToBytes(reply);

    public override byte[] EncodePush(Push push) => ProtoJson.ToBytes(push);

    /// <summary>The bare publication push of unidirectional transports: <c>{"channel":…,"pub":{…}}</c>.</summary>
    internal static byte[] EncodeBarePublicationPush(string channel, Publication publication)
    {
        var scratch = JsonScratch.Rent();
        try
        {
            var w = scratch.Writer;
            w.WriteStartObject();
            w.WriteString(ChannelName, channel);
            w.WritePropertyName(PubName);
            ProtoJson.Write(w, publication);
            w.WriteEndObject();
            w.Flush();
            return scratch.Buffer.WrittenSpan.ToArray();
        }
        finally
        {
            JsonScratch.Return(scratch);
        }
    }

    public override byte[] EncodePublicationPush(string channel, Publication publication)
    {
        var scratch = JsonScratch.Rent();
        try
        {
            var w = scratch.Writer;
            w.WriteStartObject();
            w.WritePropertyName(PushName);
            w.WriteStartObject();
            w.WriteString(ChannelName, channel);
            w.WritePropertyName(PubName);
            ProtoJson.Write(w, publication);
            w.WriteEndObject();
            w.WriteEndObject();
            w.Flush();
            return scratch.Buffer.WrittenSpan.ToArray();
        }
        finally
        {
            JsonScratch.Return(scratch);
        }
    }
}
