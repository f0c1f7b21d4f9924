using System.Text;
using Google.Protobuf;
using Gyre.Core;
using Gyre.Core.Channels;
using Gyre.Protocol;
using Gyre.Protocol.Messages;

namespace Gyre.Benchmarks.Embedded;

/// <summary>
/// A <see cref="Node"/> with the memory engine and a set of clients on <see cref="EmbeddedTransport"/>s,
/// connected and subscribed through the real command path (<see cref="Client.HandleFrameAsync"/>), the way
/// a WebSocket transport would feed them.
/// </summary>
internal sealed class EmbeddedServer : IAsyncDisposable
{
    /// <summary>
    /// Bound on every wait of a benchmark: far above any healthy operation (10,000 deliveries take
    /// milliseconds), low enough that a lost message fails the run instead of hanging it.
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly List<EmbeddedTransport> _transports = [];

    private EmbeddedServer(Node node) => Node = node;

    public Node Node { get; }

    public DeliveryCountdown Countdown { get; } = new();

    public IReadOnlyList<EmbeddedTransport> Transports => _transports;

    /// <summary>
    /// Insecure mode (connect without a token) and pings off: a ping every 25 s would land in a long
    /// benchmark run as an unexpected message. Channels without namespace admit anonymous subscribers, so
    /// subscribing does not depend on insecure mode alone.
    /// </summary>
    public static NodeOptions Options { get; } = NodeOptions.Default with
    {
        Client = ClientOptions.Default with { Insecure = true, PingInterval = TimeSpan.Zero },
        Channels = ChannelsOptions.Default with
        {
            WithoutNamespace = ChannelOptions.Default with { AllowSubscribeForClient = true, AllowSubscribeForAnonymous = true },
        },
    };

    public static Task<EmbeddedServer> StartAsync() => StartAsync(Options);

    /// <summary>Starts a node with other options, e.g. history on for the channel under test.</summary>
    public static async Task<EmbeddedServer> StartAsync(NodeOptions options)
    {
        var server = new EmbeddedServer(new Node(options));
        await server.Node.StartAsync();
        return server;
    }

    /// <summary>
    /// Connects <paramref name="count"/> clients and subscribes each to <paramref name="channel"/>, then waits
    /// until every connect and subscribe reply has been written, so no setup traffic leaks into a measurement.
    /// </summary>
    public async Task ConnectSubscribersAsync(string channel, int count, Func<int, ProtocolType> protocolOf)
    {
        var frames = new Dictionary<ProtocolType, (byte[] Connect, byte[] Subscribe)>
        {
            [ProtocolType.Json] = (
                Encoding.UTF8.GetBytes("""{"id":1,"connect":{}}"""),
                Encoding.UTF8.GetBytes($$$"""{"id":2,"subscribe":{"channel":"{{{channel}}}"}}""")),
            [ProtocolType.Protobuf] = (
                Delimited(new Command { Id = 1, Connect = new ConnectRequest() }),
                Delimited(new Command { Id = 2, Subscribe = new SubscribeRequest { Channel = channel } })),
        };

        Countdown.Reset(2L * count);
        for (var i = 0; i < count; i++)
        {
            var protocol = protocolOf(i);
            var transport = new EmbeddedTransport(protocol, Countdown);
            var client = Node.Connect(transport);
            var (connect, subscribe) = frames[protocol];
            if (!await client.HandleFrameAsync(connect) || !await client.HandleFrameAsync(subscribe))
            {
                throw new InvalidOperationException($"client {i} was disconnected during setup: {transport.ClosedWith}");
            }

            _transports.Add(transport);
        }

        Countdown.Wait(Timeout);
        var subscriptions = Node.Stats().Subscriptions;
        if (subscriptions != _transports.Count)
        {
            throw new InvalidOperationException($"expected {_transports.Count} subscriptions, the node has {subscriptions}");
        }
    }

    /// <summary>Throws if any message arrived unexpected or a connection closed: the measurement would be wrong.</summary>
    public void AssertHealthy()
    {
        if (Countdown.Overshoot != 0)
        {
            throw new InvalidOperationException($"{Countdown.Overshoot} messages arrived that no operation expected");
        }

        foreach (var transport in _transports)
        {
            if (transport.ClosedWith is { } disconnect)
            {
                throw new InvalidOperationException($"a subscriber was disconnected: {disconnect}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Node.ShutdownAsync(Timeout);
        await Node.DisposeAsync();
        Countdown.Dispose();
    }

    private static byte[] Delimited(IMessage command)
    {
        using var stream = new MemoryStream();
        command.WriteDelimitedTo(stream);
        return stream.ToArray();
    }
}
