using System.Text.RegularExpressions;
using Google.Protobuf;
using Gyre.Core.Engine;
using Gyre.Protocol.Messages;
using Gyre.Specification.Tests;
using Gyre.Specification.Tests.Servers;
using Gyre.Testing;

namespace Gyre.Nats.Tests;

/// <summary>A nats-server that goes away and comes back on the same port: the broker reconnects and resubscribes on its own.</summary>
public sealed class NatsRestartTests : IAsyncLifetime
{
    private static readonly Regex ListeningLine = new(@"Listening for client connections on 127\.0\.0\.1:(?<port>\d+)", RegexOptions.Compiled);

    private readonly List<IAsyncDisposable> _owned = [];
    private ServerProcess? _server;
    private string _port = "-1";

    public async Task InitializeAsync()
    {
        _server = await StartNatsAsync();
        _port = _server.Ready.Groups["port"].Value;
    }

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Fact]
    public async Task SubscribedNodeReceivesAgainAfterNatsRestarts()
    {
        var (a, _) = await StartNodeAsync("node-a");
        var (b, onB) = await StartNodeAsync("node-b");
        await b.SubscribeAsync("news", default).AsTask().DefaultTimeout();

        await _server!.DisposeAsync();
        _server = null;
        _server = await StartNatsAsync();

        await PublishUntilDeliveredAsync(a, "news", onB);
    }

    private async Task<(IBroker, RecordingHandler)> StartNodeAsync(string nodeId)
    {
        var broker = new NatsBroker(new NatsBrokerOptions
        {
            Url = $"nats://127.0.0.1:{_port}",
            Prefix = "gyre-test-restart",
            DialTimeout = TimeSpan.FromSeconds(5),
            WriteTimeout = TimeSpan.FromSeconds(5),
        }, nodeId);
        _owned.Add(broker);
        var handler = new RecordingHandler();
        await broker.StartAsync(handler, default).AsTask().DefaultTimeout();
        return (broker, handler);
    }

    private Task<ServerProcess> StartNatsAsync() => ServerProcess.StartAsync("nats-server", "nats-server", ["-a", "127.0.0.1", "-p", _port], ListeningLine);

    /// <summary>
    /// Publishes until the subscriber receives: the client reconnects with backoff and core NATS drops what is
    /// published before the SUB is renewed (at-most-once). Each attempt waits for the delivery event for up to
    /// 250 ms; the whole wait is bounded by twice the default test timeout.
    /// </summary>
    private static async Task PublishUntilDeliveredAsync(IBroker publisher, string channel, RecordingHandler subscriber)
    {
        using var deadline = new CancellationTokenSource(TestTimeouts.Default * 2);
        for (var attempt = 0; ; attempt++)
        {
            deadline.Token.ThrowIfCancellationRequested();
            try
            {
                await publisher.PublishAsync(channel, new Publication { Data = ByteString.CopyFromUtf8($"attempt {attempt}") }, new PublishOptions(), deadline.Token);
            }
            catch (NATS.Client.Core.NatsException)
            {
                // Still reconnecting: publishes fail after the write timeout instead of waiting.
            }

            if (await subscriber.NextPublicationWithinAsync(TimeSpan.FromMilliseconds(250)) is { } delivered)
            {
                Assert.Equal(channel, delivered.Channel);
                return;
            }
        }
    }
}
