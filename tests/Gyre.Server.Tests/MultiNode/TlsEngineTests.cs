using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Google.Protobuf;
using Gyre.Core.Engine;
using Gyre.Protocol.Messages;
using Gyre.Server.Configuration;
using Gyre.Server.Hosting;
using Gyre.Specification.Tests.Servers;
using Gyre.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gyre.Server.Tests.MultiNode;

/// <summary>
/// A redis-server and a nats-server that both demand TLS with a client certificate from a private CA, started by PID
/// for one test class. The engine is built from config files as <c>gyre -c</c> builds it.
/// </summary>
public sealed class TlsBackendsFixture : IAsyncLifetime
{
    private static readonly Regex RedisReady = new("Ready to accept connections", RegexOptions.Compiled);
    private static readonly Regex NatsListening = new(@"Listening for client connections on 127\.0\.0\.1:(?<port>\d+)", RegexOptions.Compiled);

    private ServerProcess? _redis;
    private ServerProcess? _nats;

    public TestPki Pki { get; } = TestPki.Create();

    public string RedisAddress { get; private set; } = "";

    public string NatsUrl { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var port = ServerProcess.FreeLoopbackPort();
        _redis = await ServerProcess.StartAsync("redis-server", "redis-server",
        [
            "--port", "0", "--tls-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", "{dir}", "--tls-cert-file", Pki.ServerCertPath, "--tls-key-file", Pki.ServerKeyPath, "--tls-ca-cert-file", Pki.CaPath, "--tls-auth-clients", "yes",
        ], RedisReady);
        RedisAddress = $"redis://127.0.0.1:{port}";
        _nats = await ServerProcess.StartAsync("nats-server", "nats-server",
            ["-a", "127.0.0.1", "-p", "-1", "--tlsverify", "--tlscert", Pki.ServerCertPath, "--tlskey", Pki.ServerKeyPath, "--tlscacert", Pki.CaPath], NatsListening);
        NatsUrl = $"nats://127.0.0.1:{_nats.Ready.Groups["port"].Value}";
    }

    public async Task DisposeAsync()
    {
        if (_nats is not null)
        {
            await _nats.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        Pki.Dispose();
    }
}

/// <summary>The Redis engine and the NATS broker over mutual TLS, configured by the TLS object in a config file.</summary>
public sealed class TlsEngineTests(TlsBackendsFixture backends) : IClassFixture<TlsBackendsFixture>
{
    private static string Json(string path) => JsonSerializer.Serialize(path);

    private string ClientTls(bool withCertificate, string? ca = null, string serverName = "")
    {
        var certificate = withCertificate ? $"\"cert_pem\": {Json(backends.Pki.ClientCertPath)}, \"key_pem\": {Json(backends.Pki.ClientKeyPath)}," : "";
        return $$"""{ "enabled": true, {{certificate}} "server_ca_pem": {{Json(ca ?? backends.Pki.CaPath)}}, "server_name": "{{serverName}}" }""";
    }

    [Fact]
    public async Task RedisEnginePublishesAndReadsHistoryOverMutualTls()
    {
        await using var engine = await CreateAsync($$"""
            { "engine": { "type": "redis", "redis": { "address": ["{{backends.RedisAddress}}"], "prefix": "{{Prefix()}}", "tls": {{ClientTls(true)}} } } }
            """);
        var broker = engine.Broker!;
        await broker.StartAsync(new Inbox(), default).AsTask().DefaultTimeout();

        var options = new PublishOptions { HistorySize = 10, HistoryTtl = TimeSpan.FromMinutes(1), HistoryMetaTtl = TimeSpan.FromHours(1) };
        var published = await broker.PublishAsync("secure", new Publication { Data = ByteString.CopyFromUtf8("tls") }, options, default).AsTask().DefaultTimeout();
        var history = await broker.HistoryAsync("secure", new HistoryOptions { Limit = -1 }, default).AsTask().DefaultTimeout();

        Assert.Equal(published.Position, history.Position);
        Assert.Equal("tls", Assert.Single(history.Publications).Data.ToStringUtf8());
        await broker.DisposeAsync();
    }

    [Fact]
    public async Task RedisWithoutTheClientCertificateCannotConnect()
    {
        await Assert.ThrowsAsync<StackExchange.Redis.RedisConnectionException>(() => CreateAsync($$"""
            { "engine": { "type": "redis", "redis": { "address": ["{{backends.RedisAddress}}"], "tls": {{ClientTls(false)}} } } }
            """));
    }

    [Fact]
    public async Task RedisTrustingAnotherCaCannotConnect()
    {
        await Assert.ThrowsAsync<StackExchange.Redis.RedisConnectionException>(() => CreateAsync($$"""
            { "engine": { "type": "redis", "redis": { "address": ["{{backends.RedisAddress}}"], "tls": {{ClientTls(true, backends.Pki.OtherCaPath)}} } } }
            """));
    }

    [Fact]
    public async Task InsecureSkipVerifyConnectsWithoutTheCa()
    {
        await using var engine = await CreateAsync($$"""
            { "engine": { "type": "redis", "redis": { "address": ["{{backends.RedisAddress}}"], "tls": { "enabled": true, "insecure_skip_verify": true,
              "cert_pem": {{Json(backends.Pki.ClientCertPath)}}, "key_pem": {{Json(backends.Pki.ClientKeyPath)}} } } } }
            """);

        Assert.NotNull(engine.Broker);
    }

    [Fact]
    public async Task AServerNameTheCertificateDoesNotCarryIsRefused()
    {
        var tls = ClientTls(true, serverName: "redis.example.com");

        await Assert.ThrowsAsync<StackExchange.Redis.RedisConnectionException>(() => CreateAsync($$"""
            { "engine": { "type": "redis", "redis": { "address": ["{{backends.RedisAddress}}"], "tls": {{tls}} } } }
            """));
    }

    [Fact]
    public async Task NatsBrokerDeliversOverMutualTls()
    {
        await using var engine = await CreateAsync($$"""
            { "broker": { "enabled": true, "type": "nats", "nats": { "url": "{{backends.NatsUrl}}", "prefix": "{{Prefix()}}", "tls": {{ClientTls(true)}} } } }
            """);
        var broker = engine.Broker!;
        var handler = new Inbox();
        await broker.StartAsync(handler, default).AsTask().DefaultTimeout();
        await broker.SubscribeAsync("secure", default).AsTask().DefaultTimeout();

        await broker.PublishAsync("secure", new Publication { Data = ByteString.CopyFromUtf8("tls") }, new PublishOptions(), default).AsTask().DefaultTimeout();

        Assert.Equal("tls", (await handler.Publications.Reader.ReadAsync().AsTask().DefaultTimeout()).Data.ToStringUtf8());
        await broker.DisposeAsync();
    }

    [Fact]
    public async Task NatsTrustingAnotherCaCannotStart()
    {
        await using var engine = await CreateAsync($$"""
            { "broker": { "enabled": true, "type": "nats", "nats": { "url": "{{backends.NatsUrl}}", "tls": {{ClientTls(true, backends.Pki.OtherCaPath)}} } } }
            """);

        await Assert.ThrowsAsync<NATS.Client.Core.NatsException>(() => engine.Broker!.StartAsync(new Inbox(), default).AsTask().DefaultTimeout());
        await engine.Broker!.DisposeAsync();
    }

    private static string Prefix() => "gyre-tls-" + Guid.NewGuid().ToString("N")[..8];

    private async Task<GyreEngine> CreateAsync(string json)
    {
        var file = Path.Combine(backends.Pki.Directory, Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(file, json);
        var config = ConfigLoader.Load(file, new Dictionary<string, string?>(), new Dictionary<string, string>());
        return await GyreEngine.CreateAsync(ConfigMapper.ToEngineSettings(config.Config), NullLoggerFactory.Instance, CancellationToken.None).DefaultTimeout();
    }

    /// <summary>Stands in for a node: keeps the publications the broker delivers, to be awaited with a timeout.</summary>
    private sealed class Inbox : IBrokerEventHandler
    {
        public Channel<Publication> Publications { get; } = Channel.CreateUnbounded<Publication>();

        public void HandlePublication(string channel, Publication publication, Core.Engine.StreamPosition position) => Publications.Writer.TryWrite(publication);

        public void HandleJoin(string channel, ClientInfo info)
        {
        }

        public void HandleLeave(string channel, ClientInfo info)
        {
        }

        public void HandleControl(ReadOnlyMemory<byte> data)
        {
        }
    }
}
