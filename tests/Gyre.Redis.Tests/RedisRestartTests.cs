using System.Globalization;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Gyre.Core.Engine;
using Gyre.Protocol.Messages;
using Gyre.Specification.Tests;
using Gyre.Specification.Tests.Servers;
using Gyre.Testing;

namespace Gyre.Redis.Tests;

/// <summary>
/// A Redis that goes away and comes back empty on the same port (no persistence): subscriptions come back on their
/// own, and the lost streams restart with a new epoch so clients can tell their positions are gone.
/// </summary>
public sealed class RedisRestartTests : IAsyncLifetime
{
    private static readonly Regex ReadyLine = new("Ready to accept connections", RegexOptions.Compiled);

    private readonly int _port = ServerProcess.FreeLoopbackPort();
    private readonly List<IAsyncDisposable> _owned = [];
    private ServerProcess? _server;

    public async Task InitializeAsync() => _server = await StartRedisAsync();

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
    public async Task SubscribedNodeReceivesAgainAfterRedisRestarts()
    {
        var (a, _) = await StartNodeAsync("node-a");
        var (b, onB) = await StartNodeAsync("node-b");
        await b.SubscribeAsync("news", default).AsTask().DefaultTimeout();

        await RestartRedisAsync();

        await PublishUntilDeliveredAsync(a, "news", onB);
    }

    [Fact]
    public async Task StreamLostWithRedisStartsOverWithANewEpoch()
    {
        var (a, _) = await StartNodeAsync("node-a");
        var options = new PublishOptions { HistorySize = 10, HistoryTtl = TimeSpan.FromMinutes(5), HistoryMetaTtl = TimeSpan.FromHours(1) };
        await a.PublishAsync("news", Publication("one"), options, default).AsTask().DefaultTimeout();
        var before = await a.PublishAsync("news", Publication("two"), options, default).AsTask().DefaultTimeout();

        await RestartRedisAsync();
        var after = await RetryWhileReconnectingAsync(() => a.PublishAsync("news", Publication("three"), options, default).AsTask());

        Assert.Equal(1UL, after.Position.Offset);
        Assert.NotEqual(before.Position.Epoch, after.Position.Epoch);
    }

    private async Task<(IBroker, RecordingHandler)> StartNodeAsync(string nodeId)
    {
        var connection = await RedisConnection.ConnectAsync(new RedisEngineOptions
        {
            Addresses = [$"127.0.0.1:{_port}"],
            Prefix = "gyre-test-restart",
            ConnectTimeout = TimeSpan.FromSeconds(5),
            IoTimeout = TimeSpan.FromSeconds(5),
        });
        var broker = new RedisBroker(connection, nodeId);
        _owned.Add(connection);
        _owned.Add(broker);
        var handler = new RecordingHandler();
        await broker.StartAsync(handler, default).AsTask().DefaultTimeout();
        return (broker, handler);
    }

    private async Task RestartRedisAsync()
    {
        await _server!.DisposeAsync();
        _server = null;
        _server = await StartRedisAsync();
    }

    private Task<ServerProcess> StartRedisAsync() => ServerProcess.StartAsync(
        "redis-server",
        "redis-server",
        ["--port", _port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", "{dir}", "--daemonize", "no"],
        ReadyLine);

    /// <summary>
    /// Publishes until the subscriber receives: after a restart the client reconnects and resubscribes on its own
    /// schedule, and PUB/SUB drops what is published before the SUBSCRIBE lands (at-most-once). Each attempt waits
    /// for the delivery event for up to 250 ms; the whole wait is bounded by twice the default test timeout.
    /// </summary>
    private static async Task PublishUntilDeliveredAsync(IBroker publisher, string channel, RecordingHandler subscriber)
    {
        using var deadline = new CancellationTokenSource(TestTimeouts.Default * 2);
        for (var attempt = 0; ; attempt++)
        {
            deadline.Token.ThrowIfCancellationRequested();
            try
            {
                await publisher.PublishAsync(channel, Publication($"attempt {attempt}"), new PublishOptions(), default);
            }
            catch (StackExchange.Redis.RedisException)
            {
                // Still reconnecting.
            }

            if (await subscriber.NextPublicationWithinAsync(TimeSpan.FromMilliseconds(250)) is { } delivered)
            {
                Assert.Equal(channel, delivered.Channel);
                return;
            }
        }
    }

    /// <summary>Repeats a command that fails while the client reconnects; bounded by twice the default test timeout.</summary>
    private static async Task<T> RetryWhileReconnectingAsync<T>(Func<Task<T>> command)
    {
        using var deadline = new CancellationTokenSource(TestTimeouts.Default * 2);
        while (true)
        {
            try
            {
                return await command();
            }
            catch (StackExchange.Redis.RedisException) when (!deadline.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
            }
        }
    }

    private static Publication Publication(string data) => new() { Data = ByteString.CopyFromUtf8(data) };
}
