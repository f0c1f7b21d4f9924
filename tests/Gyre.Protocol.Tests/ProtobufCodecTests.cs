using Google.Protobuf;
using Gyre.Protocol.Messages;

namespace Gyre.Protocol.Tests;

public sealed class ProtobufCodecTests
{
    private static readonly ProtocolCodec Protobuf = ProtocolCodec.Protobuf;

    [Fact]
    public void VarintDelimitedCommandsOfOneFrameDecodeInOrder()
    {
        using var stream = new MemoryStream();
        new Command { Id = 1, Connect = new ConnectRequest { Token = "t" } }.WriteDelimitedTo(stream);
        new Command().WriteDelimitedTo(stream);
        new Command { Id = 2, Subscribe = new SubscribeRequest { Channel = new string('c', 300) } }.WriteDelimitedTo(stream);
        var commands = new List<Command>();
        Protobuf.DecodeCommands(stream.ToArray(), 65_536, commands);
        Assert.Equal(3, commands.Count);
        Assert.Equal("t", commands[0].Connect.Token);
        Assert.Equal(0u, commands[1].Id);
        Assert.Equal(300, commands[2].Subscribe.Channel.Length);
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x80 })]
    [InlineData(new byte[] { 0x05, 0x08 })]
    [InlineData(new byte[] { 0x02, 0xFF, 0xFF })]
    public void TruncatedOrMalformedFramesAreRejected(byte[] frame)
    {
        Assert.Throws<ProtocolException>(() => Protobuf.DecodeCommands(frame, 65_536, []));
    }

    [Fact]
    public void OversizedLengthPrefixIsRejectedBeforeReading()
    {
        Assert.Throws<ProtocolException>(() => Protobuf.DecodeCommands([0xFF, 0xFF, 0x03], 1024, []));
    }

    [Fact]
    public void PingIsOneZeroByteAndEmptyResultsArePresent()
    {
        Assert.Equal(new byte[] { 0 }, Protobuf.EmptyReply.ToArray());
        var encoded = Protobuf.EncodeReply(new Reply { Id = 5, Rpc = new RPCResult() });
        var decoded = Reply.Parser.ParseDelimitedFrom(new MemoryStream(encoded));
        Assert.NotNull(decoded.Rpc);
    }

    [Fact]
    public void PublicationPushRoundTrips()
    {
        var publication = new Publication { Data = ByteString.CopyFrom(1, 2, 3), Offset = 9 };
        var decoded = Reply.Parser.ParseDelimitedFrom(new MemoryStream(Protobuf.EncodePublicationPush("c", publication)));
        Assert.Equal("c", decoded.Push.Channel);
        Assert.Equal(new byte[] { 1, 2, 3 }, decoded.Push.Pub.Data.ToByteArray());
        Assert.Equal(9ul, decoded.Push.Pub.Offset);
    }
}
