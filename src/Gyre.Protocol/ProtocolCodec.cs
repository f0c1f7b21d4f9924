using Gyre.Protocol.Json;
using Gyre.Protocol.Messages;
using Gyre.Protocol.Protobuf;

namespace Gyre.Protocol;

/// <summary>
/// One encoding of the client protocol: decodes command frames and encodes replies and pushes.
/// </summary>
/// <remarks>
/// Encoded messages are self-contained: a Protobuf message already carries its varint length prefix, so a
/// frame is the concatenation of messages; JSON messages carry no newline and the writer joins them with
/// <see cref="FrameSeparator"/>. Encoded bytes are shared between every subscriber of a broadcast and must
/// never be mutated.
/// </remarks>
public abstract class ProtocolCodec
{
    /// <summary>The JSON codec.</summary>
    public static ProtocolCodec Json { get; } = new JsonProtocolCodec();

    /// <summary>The Protobuf codec.</summary>
    public static ProtocolCodec Protobuf { get; } = new ProtobufProtocolCodec();

    /// <summary>The JSON codec of unidirectional transports: bare pushes, no reply wrapper.</summary>
    public static ProtocolCodec UniJson { get; } = new UnidirectionalProtocolCodec(Json);

    /// <summary>The Protobuf codec of unidirectional transports (uni gRPC): bare pushes, no reply wrapper.</summary>
    public static ProtocolCodec UniProtobuf { get; } = new UnidirectionalProtocolCodec(Protobuf);

    /// <summary>Returns the codec for <paramref name="type"/>.</summary>
    public static ProtocolCodec For(ProtocolType type) => type == ProtocolType.Protobuf ? Protobuf : Json;

    /// <summary>Returns the codec for <paramref name="type"/> on a bidirectional or a unidirectional transport.</summary>
    public static ProtocolCodec For(ProtocolType type, bool unidirectional) => unidirectional
        ? (type == ProtocolType.Protobuf ? UniProtobuf : UniJson)
        : For(type);

    /// <summary>The encoding this codec speaks.</summary>
    public abstract ProtocolType Type { get; }

    /// <summary>
    /// Whether this codec writes bare <see cref="Push"/> messages (unidirectional transports) instead of replies.
    /// </summary>
    public virtual bool Unidirectional => false;

    /// <summary>Bytes placed between two messages of one frame: <c>\n</c> for JSON, nothing for Protobuf.</summary>
    public abstract ReadOnlyMemory<byte> FrameSeparator { get; }

    /// <summary>The server ping: an empty reply (<c>{}</c> or a zero-length message).</summary>
    public abstract ReadOnlyMemory<byte> EmptyReply { get; }

    /// <summary>
    /// Decodes every command of one transport frame into <paramref name="commands"/>.
    /// </summary>
    /// <param name="frame">The whole frame.</param>
    /// <param name="maxCommandSize">Largest accepted single command in bytes.</param>
    /// <param name="commands">Receives the commands in frame order.</param>
    /// <exception cref="ProtocolException">The frame is empty, malformed, or holds an oversized command.</exception>
    public abstract void DecodeCommands(ReadOnlySpan<byte> frame, int maxCommandSize, List<Command> commands);

    /// <summary>Encodes one reply (a command result, an error, or a push wrapped in a reply).</summary>
    public abstract byte[] EncodeReply(Reply reply);

    /// <summary>Encodes one bare push, the message unit of unidirectional transports.</summary>
    public abstract byte[] EncodePush(Push push);

    /// <summary>
    /// Encodes the publication push for <paramref name="channel"/>: the one message every subscriber of a
    /// broadcast receives. Called once per broadcast per encoding, never per subscriber.
    /// </summary>
    public abstract byte[] EncodePublicationPush(string channel, Publication publication);
}
