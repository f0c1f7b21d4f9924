using System.Text;
using Google.Protobuf;
using Gyre.Protocol.Messages;

namespace Gyre.Protocol.Tests;

public sealed class JsonCodecTests
{
    private static readonly ProtocolCodec Json = ProtocolCodec.Json;

    private static List<Command> Decode(string frame, int limit = 65_536)
    {
        var commands = new List<Command>();
        Json.DecodeCommands(Encoding.UTF8.GetBytes(frame), limit, commands);
        return commands;
    }

    private static string Encode(Reply reply) => Encoding.UTF8.GetString(Json.EncodeReply(reply));

    [Fact]
    public void ConnectAndSubscribeOfOneFrameDecodeInOrder()
    {
        var commands = Decode("{\"id\":1,\"connect\":{\"token\":\"t\",\"name\":\"js\"}}\n{\"id\":2,\"subscribe\":{\"channel\":\"news\",\"flag\":1,\"recover\":true,\"offset\":18446744073709551615}}\n");
        Assert.Equal(2, commands.Count);
        Assert.Equal("t", commands[0].Connect.Token);
        Assert.Equal("js", commands[0].Connect.Name);
        Assert.Equal("news", commands[1].Subscribe.Channel);
        Assert.Equal(1, commands[1].Subscribe.Flag);
        Assert.Equal(ulong.MaxValue, commands[1].Subscribe.Offset);
    }

    [Fact]
    public void BytesFieldsCaptureTheRawJsonValueOfAnyType()
    {
        var commands = Decode("""{"id":3,"publish":{"channel":"c","data":{"text":"a\nb","list":[1,2.5,null]}}}""" + "\n" + """{"id":4,"rpc":{"method":"m","data":"just a string"}}""");
        Assert.Equal("""{"text":"a\nb","list":[1,2.5,null]}""", commands[0].Publish.Data.ToStringUtf8());
        Assert.Equal("\"just a string\"", commands[1].Rpc.Data.ToStringUtf8());
    }

    [Fact]
    public void EmptyCommandIsAPong()
    {
        var command = Assert.Single(Decode("{}"));
        Assert.Equal(0u, command.Id);
        Assert.Null(command.Connect);
    }

    [Fact]
    public void UnknownFieldsAreSkippedAtEveryDepth()
    {
        var command = Assert.Single(Decode("""{"id":5,"x":{"deep":[{"a":{}}]},"subscribe":{"channel":"c","future_field":[1,2],"tf":{"op":"eq","key":"k","unknown":1}}}"""));
        Assert.Equal("c", command.Subscribe.Channel);
        Assert.Equal("k", command.Subscribe.Tf.Key);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("{")]
    [InlineData("{\"id\":1}}")]
    [InlineData("[]")]
    [InlineData("{\"id\":\"1\"}")]
    [InlineData("{\"id\":-1}")]
    [InlineData("{\"subscribe\":{\"channel\":5}}")]
    [InlineData("{\"id\":1,\"connect\":{}}\n{oops}")]
    [InlineData("nul")]
    public void MalformedFramesAreRejected(string frame)
    {
        Assert.Throws<ProtocolException>(() => Decode(frame));
    }

    [Fact]
    public void CommandLargerThanTheLimitIsRejected()
    {
        var frame = "{\"id\":1,\"publish\":{\"channel\":\"c\",\"data\":\"" + new string('x', 200) + "\"}}";
        Assert.Throws<ProtocolException>(() => Decode(frame, limit: 100));
        Assert.Single(Decode(frame, limit: 1000));
    }

    [Fact]
    public void ConnectReplyMatchesCentrifugoGoldenFrame()
    {
        var reply = new Reply { Id = 1, Connect = new ConnectResult { Client = "c1", Version = "1.0.0", Ping = 25, Pong = true } };
        Assert.Equal("""{"id":1,"connect":{"client":"c1","version":"1.0.0","ping":25,"pong":true}}""", Encode(reply));
    }

    [Fact]
    public void EmptyResultsAreWrittenAsEmptyObjects()
    {
        Assert.Equal("""{"id":3,"publish":{}}""", Encode(new Reply { Id = 3, Publish = new PublishResult() }));
        Assert.Equal("""{"id":4,"unsubscribe":{}}""", Encode(new Reply { Id = 4, Unsubscribe = new UnsubscribeResult() }));
        Assert.Equal("""{"id":5,"rpc":{}}""", Encode(new Reply { Id = 5, Rpc = new RPCResult() }));
    }

    [Fact]
    public void ErrorReplyCarriesCodeMessageAndTemporaryOnlyWhenSet()
    {
        Assert.Equal("""{"id":4,"error":{"code":103,"message":"permission denied"}}""", Encode(new Reply { Id = 4, Error = new Error { Code = 103, Message = "permission denied" } }));
        Assert.Equal("""{"id":4,"error":{"code":100,"message":"internal server error","temporary":true}}""", Encode(new Reply { Id = 4, Error = new Error { Code = 100, Message = "internal server error", Temporary = true } }));
    }

    [Fact]
    public void AlwaysPresentFieldsAreWrittenEvenWhenEmpty()
    {
        Assert.Equal("""{"id":6,"history":{"publications":[],"epoch":"","offset":0}}""", Encode(new Reply { Id = 6, History = new HistoryResult() }));
        Assert.Equal("""{"id":7,"presence_stats":{"num_clients":0,"num_users":0}}""", Encode(new Reply { Id = 7, PresenceStats = new PresenceStatsResult() }));
        Assert.Equal("""{"id":8,"presence":{"presence":{}}}""", Encode(new Reply { Id = 8, Presence = new PresenceResult() }));
        var join = new Reply { Push = new Push { Channel = "c", Join = new Join { Info = new ClientInfo() } } };
        Assert.Equal("""{"push":{"channel":"c","join":{"info":{"user":"","client":""}}}}""", Encode(join));
    }

    [Fact]
    public void PublicationPushEmbedsDataRawAndStripsRawNewlines()
    {
        var publication = new Publication
        {
            Data = ByteString.CopyFromUtf8("{\"a\":\n 1}"),
            Info = new ClientInfo { User = "42", Client = "c1", ConnInfo = ByteString.CopyFromUtf8("{\"name\":\"Ann\"}") },
            Offset = 13,
        };
        publication.Tags["k"] = "v";
        var push = Encoding.UTF8.GetString(Json.EncodePublicationPush("chat:1", publication));
        Assert.Equal("""{"push":{"channel":"chat:1","pub":{"data":{"a": 1},"info":{"user":"42","client":"c1","conn_info":{"name":"Ann"}},"offset":13,"tags":{"k":"v"}}}}""", push);
    }

    [Fact]
    public void StringsAreEscapedSoAMessageStaysOnOneLine()
    {
        var encoded = Encode(new Reply { Id = 1, Error = new Error { Code = 400, Message = "line1\nline2 \"quoted\" ü" } });
        Assert.DoesNotContain('\n', encoded);
        Assert.Equal("""{"id":1,"error":{"code":400,"message":"line1\nline2 \"quoted\" ü"}}""", encoded);
    }

    [Fact]
    public void PingIsAnEmptyObjectAndFramesJoinWithNewlines()
    {
        Assert.Equal("{}", Encoding.UTF8.GetString(Json.EmptyReply.Span));
        Assert.Equal("\n", Encoding.UTF8.GetString(Json.FrameSeparator.Span));
    }
}
