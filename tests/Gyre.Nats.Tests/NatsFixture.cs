using System.Net.Security;
using System.Text.RegularExpressions;
using Gyre.Core.Engine;
using Gyre.Core.Engine.Memory;
using Gyre.Specification.Tests;
using Gyre.Specification.Tests.Servers;
using Microsoft.Extensions.Time.Testing;

namespace Gyre.Nats.Tests;

/// <summary>
/// Starts a real nats-server for one test class. The server picks its own free port (<c>-p -1</c>) and prints it,
/// so there is no port race; every test gets its own subject prefix.
/// </summary>
public class NatsFixture : IEngineFixture, IAsyncLifetime
{
    private static readonly Regex ListeningLine = new(@"Listening for client connections on 127\.0\.0\.1:(?<port>\d+)", RegexOptions.Compiled);

    private ServerProcess? _server;

    /// <summary>The server's URL.</summary>
    public string Url { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _server = await ServerProcess.StartAsync("nats-server", "nats-server", ["-a", "127.0.0.1", "-p", "-1", .. ExtraArguments()], ListeningLine);
        Url = $"nats://127.0.0.1:{_server.Ready.Groups["port"].Value}";
    }

    public virtual async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>Variants add server flags here (TLS).</summary>
    protected virtual IEnumerable<string> ExtraArguments() => [];

    /// <summary>Variants set the broker's TLS here.</summary>
    protected virtual SslClientAuthenticationOptions? Tls() => null;

    public IEngineScope CreateScope() => new NatsScope(this, "gyre-test-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>Options for one test's prefix.</summary>
    public NatsBrokerOptions Options(string prefix) => new()
    {
        Url = Url,
        Prefix = prefix,
        // Generous for a loaded 2-core CI machine; a local nats-server answers in well under a millisecond.
        DialTimeout = TimeSpan.FromSeconds(5),
        WriteTimeout = TimeSpan.FromSeconds(5),
        Tls = Tls(),
    };
}

/// <summary>One test's prefix on the fixture's server; each broker is its own connection, as separate nodes would be.</summary>
internal sealed class NatsScope(NatsFixture fixture, string prefix) : IEngineScope
{
    private readonly List<IAsyncDisposable> _created = [];

    public string Prefix => prefix;

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public ValueTask<IBroker> CreateBrokerAsync(string nodeId)
    {
        var broker = new NatsBroker(fixture.Options(prefix), nodeId);
        _created.Add(broker);
        return new(broker);
    }

    /// <summary>NATS has no presence; Centrifugo pairs its NATS broker with a memory or Redis presence manager.</summary>
    public ValueTask<IPresenceManager> CreatePresenceManagerAsync(TimeSpan ttl)
    {
        var presence = new MemoryPresenceManager(ttl, Clock);
        _created.Add(presence);
        return new(presence);
    }

    public Task LetTtlsPassAsync(TimeSpan duration)
    {
        Clock.Advance(duration);
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var item in _created)
        {
            await item.DisposeAsync();
        }
    }
}
