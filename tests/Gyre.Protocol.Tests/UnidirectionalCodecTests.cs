using System.Text;
using Google.Protobuf;
using Gyre.Protocol.Messages;

namespace Gyre.Protocol.Tests;

public sealed class UnidirectionalCodecTests
{
    [Fact]
    public void ConnectReplyBecomesABareConnectPushWithSession()
    {
        var result = new ConnectResult { Client = "c1", Version = "1", Ping = 25, Session = "s1" };
        result.Subs["news"] = new SubscribeResult();

        var json = Encoding.UTF8.GetString(ProtocolCodec.UniJson.EncodeReply(new Reply { Id = 1, Connect = result }));

        Assert.Equal("""{"connect":{"client":"c1","version":"1","subs":{"news":{}},"ping":25,"session":"s1"}}""", json);
    }

    [Fact]
    public void PublicationAndOtherPushesLoseTheReplyWrapper()
    {
        var publication = new Publication { Data = ByteString.CopyFromUtf8("""{"x":1}""") };
        Assert.Equal("""{"channel":"a","pub":{"data":{"x":1}}}""", Encoding.UTF8.GetString(ProtocolCodec.UniJson.EncodePublicationPush("a", publication)));

        var leave = new Reply { Push = new Push { Channel = "a", Leave = new Leave { Info = new ClientInfo { Client = "c" } } } };
        Assert.Equal("""{"channel":"a","leave":{"info":{"user":"","client":"c"}}}""", Encoding.UTF8.GetString(ProtocolCodec.UniJson.EncodeReply(leave)));
    }

    [Fact]
    public void ProtobufUniPushIsVarintDelimitedBarePush()
    {
        var bytes = ProtocolCodec.UniProtobuf.EncodePublicationPush("a", new Publication { Offset = 3 });
        var push = Push.Parser.ParseDelimitedFrom(new MemoryStream(bytes));
        Assert.Equal("a", push.Channel);
        Assert.Equal(3ul, push.Pub.Offset);
    }

    [Fact]
    public void UniCodecsAreDistinctFromTheBidirectionalOnesAndKeepTheirPing()
    {
        Assert.True(ProtocolCodec.For(ProtocolType.Json, unidirectional: true).Unidirectional);
        Assert.False(ProtocolCodec.For(ProtocolType.Json, unidirectional: false).Unidirectional);
        Assert.Equal("{}", Encoding.UTF8.GetString(ProtocolCodec.UniJson.EmptyReply.Span));
        Assert.Throws<ProtocolException>(() => ProtocolCodec.UniJson.DecodeCommands("{}"u8, 100, []));
    }
}
