using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Gyre.Benchmarks.Embedded;
using Gyre.Core.Channels;
using Gyre.Protocol;
using Gyre.Protocol.Messages;
using PublishResult = Gyre.Core.Engine.PublishResult;

namespace Gyre.Benchmarks.Hub;

/// <summary>Which encodings the subscribers of a broadcast speak.</summary>
public enum SubscriberProtocols
{
    /// <summary>Every subscriber speaks JSON: one encode per broadcast.</summary>
    Json,

    /// <summary>
    /// Even-numbered subscribers speak Protobuf, odd-numbered JSON: two encodes per broadcast. With one
    /// subscriber this is a single Protobuf subscriber.
    /// </summary>
    Mixed,
}

/// <summary>
/// How long does one publication take to reach every subscriber of a channel, and do time and allocations
/// per delivery stay flat as the fan-out grows from 1 to 10,000?
/// </summary>
/// <remarks>
/// <para>
/// One operation = one publication of a 200-byte payload with publisher info, measured until the last
/// subscriber's writer loop has handed it to its transport. The writer loops run on pool threads, so this is
/// the wall time of the whole fan-out (enqueue on the publishing thread, wake-up, dequeue and write on the
/// others), not only the enqueue loop. The <c>ns/delivery</c> column divides the median by the subscriber count.
/// </para>
/// <para>
/// The zero-allocation goal: <c>Allocated</c> must not grow with <see cref="Subscribers"/>. What a broadcast
/// may allocate is its one encode per protocol (plus, through <see cref="NodePublish"/>, the publication
/// itself); <see cref="BenchmarkDotNet.Attributes.MemoryDiagnoserAttribute"/> counts every thread, the writer
/// loops included. The budgets are in <c>bench/allocation-budgets.json</c>.
/// </para>
/// <para>Shape follows centrifuge's <c>hub_broadcast_bench_test.go</c> (1/100/1,000 subscribers, JSON/Protobuf mix).</para>
/// </remarks>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
[Config(typeof(Config))]
public class BroadcastBenchmarks
{
    private const string Channel = "bench";

    private EmbeddedServer _server = null!;
    private Publication _publication = null!;
    private ClientInfo _info = null!;
    private ChannelOptions _channelOptions = null!;

    [Params(1, 100, 1_000, 10_000)]
    public int Subscribers { get; set; }

    [Params(SubscriberProtocols.Json, SubscriberProtocols.Mixed)]
    public SubscriberProtocols Protocols { get; set; }

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        try
        {
            _server.AssertHealthy();
        }
        finally
        {
            _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>The fan-out alone: a ready publication handed to the hub, as the broker's delivery callback does.</summary>
    [Benchmark(Baseline = true)]
    public int HubBroadcast()
    {
        _server.Countdown.Reset(Subscribers);
        var queued = _server.Node.Hub.BroadcastPublication(Channel, _publication, Gyre.Core.Engine.StreamPosition.None);
        _server.Countdown.Wait(EmbeddedServer.Timeout);
        return queued;
    }

    /// <summary>The server API path: <c>Node.PublishAsync</c> builds the publication and goes through the memory broker.</summary>
    [Benchmark]
    public PublishResult NodePublish()
    {
        _server.Countdown.Reset(Subscribers);
        var result = _server.Node.PublishAsync(Channel, Payloads.Json, _channelOptions, _info).GetAwaiter().GetResult();
        _server.Countdown.Wait(EmbeddedServer.Timeout);
        return result;
    }

    private async Task SetupAsync()
    {
        _publication = Payloads.Publication();
        _info = Payloads.Info();
        _server = await EmbeddedServer.StartAsync();
        if (_server.Node.Channels.Resolve(Channel, out _channelOptions) is { } error)
        {
            throw new InvalidOperationException($"channel {Channel} is not allowed: {error}");
        }

        await _server.ConnectSubscribersAsync(
            Channel,
            Subscribers,
            i => Protocols == SubscriberProtocols.Mixed && i % 2 == 0 ? ProtocolType.Protobuf : ProtocolType.Json);
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new PerDeliveryColumn());
    }
}
