using System.Text;
using BenchmarkDotNet.Attributes;
using Gyre.Benchmarks.Embedded;
using Gyre.Core;
using Gyre.Core.Channels;
using Gyre.Protocol;
using Gyre.Protocol.Messages;
using PublishResult = Gyre.Core.Engine.PublishResult;

namespace Gyre.Benchmarks.History;

/// <summary>Whether the channel under test keeps history.</summary>
public enum HistoryMode
{
    /// <summary><c>history_size: 0</c>: publish is a broadcast only.</summary>
    Off,

    /// <summary><c>history_size: 1000</c>, <c>history_ttl: 10m</c>: every publish also appends to the memory stream.</summary>
    On,
}

/// <summary>
/// What does keeping history add to a publish, and what does a subscriber that missed 100 publications pay
/// to recover them in its subscribe reply?
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Publish"/> is one <c>Node.PublishAsync</c> of the 200-byte payload to 100 JSON subscribers,
/// measured until the last subscriber's writer handed it to its transport, with history <see cref="HistoryMode.Off"/>
/// and <see cref="HistoryMode.On"/>; the ratio of the two medians is the price of history on the publish path.
/// </para>
/// <para>
/// <see cref="Recover"/> is one recovering subscribe (<c>recover: true</c> from an offset <see cref="Missed"/>
/// publications behind the top) by an already connected client, until its subscribe reply with the missed
/// publications is written, followed by the unsubscribe that lets the next operation subscribe again. History
/// holds 1,000 publications, so the read skips 900 and copies 100.
/// </para>
/// </remarks>
[MemoryDiagnoser]
[MedianColumn]
public class HistoryBenchmarks
{
    private const string Channel = "bench";
    private const int Subscribers = 100;
    private const int HistorySize = 1_000;

    private EmbeddedServer _server = null!;
    private ChannelOptions _channelOptions = null!;
    private ClientInfo _info = null!;
    private Client _recovering = null!;
    private byte[] _subscribe = [];
    private byte[] _unsubscribe = [];

    [Params(HistoryMode.Off, HistoryMode.On)]
    public HistoryMode History { get; set; }

    /// <summary>Publications the recovering subscriber missed.</summary>
    [Params(100)]
    public int Missed { get; set; }

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

    /// <summary>One publish to 100 subscribers, with or without history.</summary>
    [Benchmark]
    public PublishResult Publish()
    {
        _server.Countdown.Reset(Subscribers);
        var result = _server.Node.PublishAsync(Channel, Payloads.Json, _channelOptions, _info).GetAwaiter().GetResult();
        _server.Countdown.Wait(EmbeddedServer.Timeout);
        return result;
    }

    /// <summary>One recovering subscribe that gets <see cref="Missed"/> publications in its reply, then an unsubscribe.</summary>
    [Benchmark]
    public bool Recover()
    {
        if (History == HistoryMode.Off)
        {
            // Recovery needs history; the Off row of this benchmark would measure a rejected subscribe.
            return false;
        }

        _server.Countdown.Reset(2);
        var ok = _recovering.HandleFrameAsync(_subscribe).GetAwaiter().GetResult()
            && _recovering.HandleFrameAsync(_unsubscribe).GetAwaiter().GetResult();
        _server.Countdown.Wait(EmbeddedServer.Timeout);
        return ok;
    }

    private async Task SetupAsync()
    {
        var history = History == HistoryMode.On;
        var options = EmbeddedServer.Options with
        {
            Channels = EmbeddedServer.Options.Channels with
            {
                WithoutNamespace = EmbeddedServer.Options.Channels.WithoutNamespace with
                {
                    HistorySize = history ? HistorySize : 0,
                    HistoryTtl = history ? TimeSpan.FromMinutes(10) : TimeSpan.Zero,
                    AllowRecovery = history,
                },
            },
        };
        _info = Payloads.Info();
        _server = await EmbeddedServer.StartAsync(options);
        if (_server.Node.Channels.Resolve(Channel, out _channelOptions) is { } error)
        {
            throw new InvalidOperationException($"channel {Channel} is not allowed: {error}");
        }

        await _server.ConnectSubscribersAsync(Channel, Subscribers, _ => ProtocolType.Json);
        if (!history)
        {
            return;
        }

        PublishResult last = default;
        for (var i = 0; i < HistorySize; i++)
        {
            _server.Countdown.Reset(Subscribers);
            last = await _server.Node.PublishAsync(Channel, Payloads.Json, _channelOptions, _info);
            _server.Countdown.Wait(EmbeddedServer.Timeout);
        }

        // The recovering client is connected but not subscribed, so the Publish rows do not reach it.
        var transport = new EmbeddedTransport(ProtocolType.Json, _server.Countdown);
        _server.Countdown.Reset(1);
        _recovering = _server.Node.Connect(transport);
        if (!await _recovering.HandleFrameAsync(Encoding.UTF8.GetBytes("""{"id":1,"connect":{}}""")))
        {
            throw new InvalidOperationException($"the recovering client was disconnected: {transport.ClosedWith}");
        }

        _server.Countdown.Wait(EmbeddedServer.Timeout);
        var since = last.Position.Offset - (ulong)Missed;
        _subscribe = Encoding.UTF8.GetBytes(
            $$$"""{"id":2,"subscribe":{"channel":"{{{Channel}}}","recoverable":true,"recover":true,"epoch":"{{{last.Position.Epoch}}}","offset":{{{since}}}}}""");
        _unsubscribe = Encoding.UTF8.GetBytes($$$"""{"id":3,"unsubscribe":{"channel":"{{{Channel}}}"}}""");

        // A reply without the missed publications would make Recover measure nothing: check its size once.
        var before = transport.Bytes;
        if (!Recover())
        {
            throw new InvalidOperationException($"the recovering subscribe failed: {transport.ClosedWith}");
        }

        var written = transport.Bytes - before;
        if (written < (long)Missed * Payloads.Json.Length)
        {
            throw new InvalidOperationException($"the subscribe reply has {written} bytes, too few for {Missed} recovered publications");
        }
    }
}
