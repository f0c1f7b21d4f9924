using Gyre.Protocol.Json;
using Gyre.Protocol.Messages;
using Gyre.Protocol.Protobuf;

namespace Gyre.Protocol;

/// <summary>
/// The encoding of unidirectional transports (uni_websocket, uni_sse, uni_http_stream, uni_grpc): the server writes
/// only bare <see cref="Push"/> messages. The connect reply becomes a <c>connect</c> push, pushes lose their reply
/// wrapper, and the ping is the empty push (<c>{}</c> or a zero-length message), as Centrifuge's
/// <c>Transport.Unidirectional()</c> asks.
/// </summary>
/// <remarks>
/// A uni client sends a bare <see cref="ConnectRequest"/> once and nothing else, so there is no command decoding here:
/// the transport hands the request to <c>Client.ConnectUnidirectionalAsync</c>.
/// </remarks>
internal sealed class UnidirectionalProtocolCodec(ProtocolCodec inner) : ProtocolCodec
{
    public override ProtocolType Type => inner.Type;

    public override bool Unidirectional => true;

    public override ReadOnlyMemory<byte> FrameSeparator => inner.FrameSeparator;

    public override ReadOnlyMemory<byte> EmptyReply => inner.EmptyReply;

    public override void DecodeCommands(ReadOnlySpan<byte> frame, int maxCommandSize, List<Command> commands) =>
        throw new ProtocolException("a unidirectional connection accepts no commands");

    public override byte[] EncodeReply(Reply reply) => reply switch
    {
        { Push: { } push } => inner.EncodePush(push),
        { Connect: { } result } => inner.EncodePush(new Push { Connect = ConnectPush(result) }),

        // Only connect results and pushes reach a uni client; anything else degrades to a ping.
        _ => EmptyReply.ToArray(),
    };

    public override byte[] EncodePush(Push push) => inner.EncodePush(push);

    public override byte[] EncodePublicationPush(string channel, Publication publication) => inner.Type == ProtocolType.Json
        ? JsonProtocolCodec.EncodeBarePublicationPush(channel, publication)
        : ProtobufProtocolCodec.Delimited(new Push { Channel = channel, Pub = publication });

    /// <summary>Centrifuge's <c>getConnectPushReply</c>: the connect result's fields under the <c>Connect</c> push numbering.</summary>
    private static Connect ConnectPush(ConnectResult result)
    {
        var push = new Connect
        {
            Client = result.Client,
            Version = result.Version,
            Data = result.Data,
            Expires = result.Expires,
            Ttl = result.Ttl,
            Ping = result.Ping,
            Pong = result.Pong,
            Session = result.Session,
            Node = result.Node,
            Time = result.Time,
        };
        push.Subs.Add(result.Subs);
        return push;
    }
}
