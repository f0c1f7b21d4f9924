using System.Net.Security;
using Gyre.Core.Engine;
using Gyre.Protocol.Messages;
using Gyre.Specification.Tests;
using Gyre.Testing;
using StackExchange.Redis;

namespace Gyre.Redis.Tests;

/// <summary>
/// A redis-server listening only on a TLS port (<c>--port 0 --tls-port p</c>) with a certificate from a private CA
/// made for the fixture; the engine trusts that CA alone.
/// </summary>
public class RedisTlsFixture : RedisFixtureBase, IDisposable
{
    public TestPki Pki { get; } = TestPki.Create();

    /// <summary>With <c>--tls-auth-clients yes</c>, Redis refuses a client that presents no certificate from the CA.</summary>
    protected virtual bool MutualTls => false;

    public override async Task InitializeAsync() => await StartRedisAsync(port =>
    [
        .. Standalone(0), "--tls-port", Port(port), "--tls-cert-file", Pki.ServerCertPath, "--tls-key-file", Pki.ServerKeyPath,
        "--tls-ca-cert-file", Pki.CaPath, "--tls-auth-clients", MutualTls ? "yes" : "no",
    ]);

    public void Dispose() => Pki.Dispose();

    /// <summary>What <c>tls</c> with <c>server_ca_pem</c> (and, for mutual TLS, <c>cert_pem</c>/<c>key_pem</c>) maps to.</summary>
    public SslClientAuthenticationOptions ClientTls(bool presentCertificate) => new()
    {
        RemoteCertificateValidationCallback = (_, certificate, _, errors) => Pki.TrustsServer(certificate, errors),
        LocalCertificateSelectionCallback = presentCertificate ? (_, _, _, _, _) => Pki.Client : null,
    };

    protected override RedisEngineOptions Topology() => new() { Addresses = [.. Addresses], Tls = ClientTls(MutualTls) };
}

/// <summary>Redis requires a client certificate issued by the CA (<c>--tls-auth-clients yes</c>).</summary>
public sealed class RedisMutualTlsFixture : RedisTlsFixture
{
    protected override bool MutualTls => true;
}

public sealed class RedisTlsBrokerTests(RedisTlsFixture fixture) : BrokerSpecification<RedisTlsFixture>(fixture);

public sealed class RedisTlsHistoryTests(RedisTlsFixture fixture) : HistorySpecification<RedisTlsFixture>(fixture);

public sealed class RedisMutualTlsHistoryTests(RedisMutualTlsFixture fixture) : HistorySpecification<RedisMutualTlsFixture>(fixture);

/// <summary>What a TLS Redis refuses: a client without its certificate, and a client that does not trust the server.</summary>
public sealed class RedisMutualTlsTests(RedisMutualTlsFixture fixture) : IClassFixture<RedisMutualTlsFixture>
{
    [Fact]
    public async Task AClientWithoutACertificateCannotConnect()
    {
        var options = fixture.Options("gyre-test-nocert") with { Tls = fixture.ClientTls(presentCertificate: false) };

        await Assert.ThrowsAsync<RedisConnectionException>(() => RedisConnection.ConnectAsync(options).DefaultTimeout());
    }

    [Fact]
    public async Task AServerOutsideTheTrustedCaIsRefused()
    {
        var options = fixture.Options("gyre-test-untrusted") with
        {
            Tls = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, _, _, errors) => errors == SslPolicyErrors.None,
                LocalCertificateSelectionCallback = (_, _, _, _, _) => fixture.Pki.Client,
            },
        };

        await Assert.ThrowsAsync<RedisConnectionException>(() => RedisConnection.ConnectAsync(options).DefaultTimeout());
    }

    [Fact]
    public async Task AClientWithItsCertificatePublishesAndReadsHistory()
    {
        await using var scope = fixture.CreateScope();
        var broker = await scope.CreateBrokerAsync("node-a");
        await broker.StartAsync(new RecordingHandler(), default).AsTask().DefaultTimeout();

        var published = await broker.PublishAsync("secure", new Publication { Data = Google.Protobuf.ByteString.CopyFromUtf8("tls") },
            new PublishOptions { HistorySize = 10, HistoryTtl = TimeSpan.FromMinutes(1), HistoryMetaTtl = TimeSpan.FromHours(1) }, default).AsTask().DefaultTimeout();
        var history = await broker.HistoryAsync("secure", new HistoryOptions { Limit = -1 }, default).AsTask().DefaultTimeout();

        Assert.Equal(published.Position, history.Position);
        Assert.Equal("tls", Assert.Single(history.Publications).Data.ToStringUtf8());
    }
}
