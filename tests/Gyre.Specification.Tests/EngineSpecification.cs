using System.Text;
using Google.Protobuf;
using Gyre.Core.Engine;
using Gyre.Protocol.Messages;
using Gyre.Testing;

namespace Gyre.Specification.Tests;

/// <summary>
/// Common ground of the specifications: a fresh <see cref="IEngineScope"/> per test and helpers to start nodes and
/// build publications. Derive a backend's test classes from the specifications, not from this class.
/// </summary>
public abstract class EngineSpecification<TFixture> : IClassFixture<TFixture>, IAsyncLifetime
    where TFixture : class, IEngineFixture
{
    private IEngineScope? _scope;

    protected EngineSpecification(TFixture fixture) => Fixture = fixture;

    protected TFixture Fixture { get; }

    protected IEngineScope Scope => _scope ?? throw new InvalidOperationException("The test has not been initialised.");

    public Task InitializeAsync()
    {
        _scope = Fixture.CreateScope();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_scope is not null)
        {
            await _scope.DisposeAsync();
        }
    }

    /// <summary>Creates and starts a broker acting as <paramref name="nodeId"/>, with a handler recording what it receives.</summary>
    protected async Task<(IBroker Broker, RecordingHandler Handler)> StartNodeAsync(string nodeId = "node-a")
    {
        var broker = await Scope.CreateBrokerAsync(nodeId);
        var handler = new RecordingHandler();
        await broker.StartAsync(handler, CancellationToken.None).AsTask().DefaultTimeout();
        return (broker, handler);
    }

    protected static Publication NewPublication(string data, IReadOnlyDictionary<string, string>? tags = null, ClientInfo? info = null)
    {
        var publication = new Publication { Data = ByteString.CopyFromUtf8(data), Info = info };
        if (tags is not null)
        {
            foreach (var (key, value) in tags)
            {
                publication.Tags[key] = value;
            }
        }

        return publication;
    }

    protected static ClientInfo NewInfo(string user, string client) => new()
    {
        User = user,
        Client = client,
        ConnInfo = ByteString.CopyFromUtf8("""{"name":"conn"}"""),
        ChanInfo = ByteString.CopyFromUtf8("""{"role":"chan"}"""),
    };

    protected static string Text(Publication publication) => publication.Data.ToStringUtf8();

    protected static string Text(byte[] data) => Encoding.UTF8.GetString(data);

    /// <summary>Publish options keeping <paramref name="size"/> publications for <paramref name="ttl"/> (5 minutes by default).</summary>
    protected static PublishOptions WithHistory(int size = 10, TimeSpan? ttl = null, TimeSpan? metaTtl = null, string? idempotencyKey = null, TimeSpan? idempotentResultTtl = null) => new()
    {
        HistorySize = size,
        HistoryTtl = ttl ?? TimeSpan.FromMinutes(5),
        HistoryMetaTtl = metaTtl ?? TimeSpan.FromHours(1),
        IdempotencyKey = idempotencyKey,
        IdempotentResultTtl = idempotentResultTtl ?? TimeSpan.FromMinutes(5),
    };

    protected static PublishOptions WithoutHistory(string? idempotencyKey = null, TimeSpan? idempotentResultTtl = null) => new()
    {
        IdempotencyKey = idempotencyKey,
        IdempotentResultTtl = idempotentResultTtl ?? TimeSpan.FromMinutes(5),
    };
}
