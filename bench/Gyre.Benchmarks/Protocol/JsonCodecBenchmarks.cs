using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Google.Protobuf;
using Gyre.Protocol;
using Gyre.Protocol.Messages;

namespace Gyre.Benchmarks.Protocol;

/// <summary>
/// What does the JSON codec cost per message on the three hot paths (decode an incoming command, encode a
/// reply, encode the publication push every broadcast shares), and what would Protobuf save?
/// </summary>
/// <remarks>
/// Each category holds the JSON operation as its baseline and the Protobuf equivalent, so <c>Ratio</c> reads as
/// "Protobuf relative to JSON". Messages are built once in setup: the numbers are the codec's, not the cost of
/// constructing a <see cref="Reply"/>. A decode allocates the command it returns (that is its result); an encode
/// allocates its output array, which a broadcast shares between all subscribers of one encoding.
/// </remarks>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class JsonCodecBenchmarks
{
    /// <summary><see cref="Core.Node.MaxCommandSize"/>'s default.</summary>
    private const int MaxCommandSize = 65_536;

    /// <summary>A client-side publish as centrifuge-js sends it.</summary>
    private static readonly byte[] PublishCommandJson =
        """{"id":3,"publish":{"channel":"chat:1","data":{"text":"hello","n":1}}}"""u8.ToArray();

    private readonly List<Command> _commands = new(capacity: 1);
    private readonly Reply _subscribeReply = new() { Id = 2, Subscribe = new SubscribeResult() };
    private readonly Publication _publication = Payloads.Publication();
    private byte[] _publishCommandProtobuf = null!;

    [GlobalSetup]
    public void Setup()
    {
        // The same command, varint-length-delimited as a Protobuf client frames it.
        var command = new Command
        {
            Id = 3,
            Publish = new PublishRequest { Channel = "chat:1", Data = ByteString.CopyFromUtf8("""{"text":"hello","n":1}""") },
        };
        using var stream = new MemoryStream();
        command.WriteDelimitedTo(stream);
        _publishCommandProtobuf = stream.ToArray();
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("DecodePublish")]
    public Command DecodePublishJson() => Decode(ProtocolCodec.Json, PublishCommandJson);

    [Benchmark]
    [BenchmarkCategory("DecodePublish")]
    public Command DecodePublishProtobuf() => Decode(ProtocolCodec.Protobuf, _publishCommandProtobuf);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("EncodeSubscribeReply")]
    public byte[] EncodeSubscribeReplyJson() => ProtocolCodec.Json.EncodeReply(_subscribeReply);

    [Benchmark]
    [BenchmarkCategory("EncodeSubscribeReply")]
    public byte[] EncodeSubscribeReplyProtobuf() => ProtocolCodec.Protobuf.EncodeReply(_subscribeReply);

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("EncodePublicationPush")]
    public byte[] EncodePublicationPushJson() => ProtocolCodec.Json.EncodePublicationPush("chat:1", _publication);

    [Benchmark]
    [BenchmarkCategory("EncodePublicationPush")]
    public byte[] EncodePublicationPushProtobuf() => ProtocolCodec.Protobuf.EncodePublicationPush("chat:1", _publication);

    private Command Decode(ProtocolCodec codec, byte[] frame)
    {
        _commands.Clear();
        codec.DecodeCommands(frame, MaxCommandSize, _commands);
        return _commands[0];
    }
}
