using System.Net.Security;
using Google.Protobuf;
using Gyre.Core.Engine;
using Gyre.Protocol.Messages;
using Gyre.Specification.Tests;
using Gyre.Testing;

namespace Gyre.Nats.Tests;

/// <summary>A nats-server that requires TLS (<c>--tls</c>) with a certificate from a private CA the broker trusts alone.</summary>
public class NatsTlsFixture : NatsFixture
{
    public TestPki Pki { get; } = TestPki.Create();

    /// <summary>With <c>--tlsverify</c>, the server refuses a client without a certificate from the CA.</summary>
    protected virtual bool MutualTls => false;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Pki.Dispose();
    }

    /// <summary>What <c>tls</c> with <c>server_ca_pem</c> (and, for mutual TLS, <c>cert_pem</c>/<c>key_pem</c>) maps to.</summary>
    public SslClientAuthenticationOptions ClientTls(bool presentCertificate) => new()
    {
        RemoteCertificateValidationCallback = (_, certificate, _, errors) => Pki.TrustsServer(certificate, errors),
        LocalCertificateSelectionCallback = presentCertificate ? (_, _, _, _, _) => Pki.Client : null,
    };

    protected override IEnumerable<string> ExtraArguments() => MutualTls
        ? ["--tlsverify", "--tlscert", Pki.ServerCertPath, "--tlskey", Pki.ServerKeyPath, "--tlscacert", Pki.CaPath]
        : ["--tls", "--tlscert", Pki.ServerCertPath, "--tlskey", Pki.ServerKeyPath];

    protected override SslClientAuthenticationOptions? Tls() => ClientTls(MutualTls);
}

/// <summary>The server verifies client certificates against the CA (<c>--tlsverify --tlscacert</c>).</summary>
public sealed class NatsMutualTlsFixture : NatsTlsFixture
{
    protected override bool MutualTls => true;
}

public sealed class NatsTlsBrokerTests(NatsTlsFixture fixture) : BrokerSpecification<NatsTlsFixture>(fixture);

public sealed class NatsMutualTlsScaleoutTests(NatsMutualTlsFixture fixture) : ScaleoutSpecification<NatsMutualTlsFixture>(fixture);

/// <summary>What a nats-server with mutual TLS refuses, and what it lets through.</summary>
public sealed class NatsMutualTlsTests(NatsMutualTlsFixture fixture) : IClassFixture<NatsMutualTlsFixture>
{
    [Fact]
    public async Task ABrokerWithoutAClientCertificateCannotStart()
    {
        await using var broker = new NatsBroker(fixture.Options("gyre-test-nocert") with { Tls = fixture.ClientTls(presentCertificate: false) }, "node-a");

        await Assert.ThrowsAsync<NATS.Client.Core.NatsException>(() => broker.StartAsync(new RecordingHandler(), default).AsTask().DefaultTimeout());
    }

    [Fact]
    public async Task ABrokerTrustingOnlyTheSystemStoreCannotStart()
    {
        // Without TLS options the client still upgrades (the server demands it) but checks the system store, which lacks the test CA.
        await using var broker = new NatsBroker(fixture.Options("gyre-test-system-store") with { Tls = null }, "node-a");

        await Assert.ThrowsAsync<NATS.Client.Core.NatsException>(() => broker.StartAsync(new RecordingHandler(), default).AsTask().DefaultTimeout());
    }

    [Fact]
    public async Task APublicationTravelsBetweenTwoBrokersOverMutualTls()
    {
        await using var scope = fixture.CreateScope();
        var a = await scope.CreateBrokerAsync("node-a");
        var b = await scope.CreateBrokerAsync("node-b");
        var received = new RecordingHandler();
        await a.StartAsync(new RecordingHandler(), default).AsTask().DefaultTimeout();
        await b.StartAsync(received, default).AsTask().DefaultTimeout();
        await b.SubscribeAsync("secure", default).AsTask().DefaultTimeout();

        await a.PublishAsync("secure", new Publication { Data = ByteString.CopyFromUtf8("tls") }, new PublishOptions(), default).AsTask().DefaultTimeout();

        Assert.Equal("tls", (await received.NextPublicationAsync()).Publication.Data.ToStringUtf8());
    }
}
