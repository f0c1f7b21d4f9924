using System.Text.Json;
using Gyre.Server.Configuration;
using Gyre.Testing;

namespace Gyre.Server.Tests.Configuration;

/// <summary>TLS objects: the three PEM forms, and errors that name the key and the file.</summary>
public sealed class TlsConfigTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TestPki _pki = TestPki.Create();

    public void Dispose()
    {
        _pki.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void RawBase64AndFilePemAllLoad()
    {
        var config = Load.File(Write($$"""
            { "http_server": { "tls": { "enabled": true, "cert_pem": {{Json(File.ReadAllText(_pki.ServerCertPath))}}, "key_pem": "{{Base64(_pki.ServerKeyPath)}}" } },
              "broker": { "enabled": true, "type": "nats", "nats": { "tls": { "enabled": true, "server_ca_pem": {{Json(_pki.CaPath)}}, "server_name": "localhost" } } } }
            """));

        var listeners = ConfigMapper.ToListenerTls(config.Config);
        Assert.Equal(_pki.Server.Thumbprint, listeners.Http!.Certificate!.Thumbprint);
        Assert.True(listeners.Http.Certificate.HasPrivateKey);
        Assert.Null(listeners.GrpcApi);
        var nats = ConfigMapper.ToEngineSettings(config.Config).BrokerNats!.Tls!;
        Assert.Equal("localhost", nats.TargetHost);
        Assert.NotNull(nats.RemoteCertificateValidationCallback);
    }

    [Fact]
    public void DisabledTlsIsNotRead()
    {
        var config = Load.File(Write("""{ "http_server": { "tls": { "enabled": false, "cert_pem": "/nowhere.pem" } } }"""));

        Assert.Null(ConfigMapper.ToListenerTls(config.Config).Http);
    }

    [Fact]
    public void AMissingFileNamesTheKeyAndTheConfigFile()
    {
        var file = Write("""{ "http_server": { "tls": { "enabled": true, "cert_pem": "/nowhere/cert.pem", "key_pem": "/nowhere/key.pem" } } }""");

        var error = Load.Error(file);

        Assert.Equal("http_server.tls.cert_pem", error.KeyPath);
        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Contains("neither PEM, base64-encoded PEM nor the path of an existing file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileWithoutPemIsRejected()
    {
        var notPem = _dir.Write("not.pem", "hello");

        var error = Load.Error(Write($$"""{ "engine": { "type": "redis", "redis": { "tls": { "enabled": true, "server_ca_pem": {{Json(notPem)}} } } } }"""));

        Assert.Equal("engine.redis.tls.server_ca_pem", error.KeyPath);
        Assert.Contains("contains no PEM data", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AKeyWithoutACertificateIsRejected()
    {
        var error = Load.Error(Write($$"""{ "broker": { "enabled": true, "type": "nats", "nats": { "tls": { "enabled": true, "key_pem": {{Json(_pki.ClientKeyPath)}} } } } }"""));

        Assert.Equal("broker.nats.tls.cert_pem", error.KeyPath);
        Assert.Contains("required with key_pem", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AServerWithoutACertificateIsRejected()
    {
        var error = Load.Error(Write("""{ "grpc_api": { "enabled": true, "tls": { "enabled": true } } }"""));

        Assert.Equal("grpc_api.tls.cert_pem", error.KeyPath);
    }

    [Fact]
    public void AKeyOfAnotherCertificateIsRejected()
    {
        var error = Load.Error(Write($$"""{ "http_server": { "tls": { "enabled": true, "cert_pem": {{Json(_pki.ServerCertPath)}}, "key_pem": {{Json(_pki.ClientKeyPath)}} } } }"""));

        Assert.Equal("http_server.tls.key_pem", error.KeyPath);
    }

    [Fact]
    public void ACaWithoutCertificatesIsRejected()
    {
        var error = Load.Error(Write($$"""{ "uni_grpc": { "enabled": true, "tls": { "enabled": true, "cert_pem": {{Json(_pki.ServerCertPath)}}, "key_pem": {{Json(_pki.ServerKeyPath)}}, "client_ca_pem": {{Json(_pki.ServerKeyPath)}} } } }"""));

        Assert.Equal("uni_grpc.tls.client_ca_pem", error.KeyPath);
        Assert.Contains("no certificate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEnvironmentVariableIsNamedAsTheSource()
    {
        var error = Load.Error(
            Write("""{ "http_server": { "tls": { "enabled": true, "key_pem": "x" } } }"""),
            new Dictionary<string, string?> { ["CENTRIFUGO_HTTP_SERVER_TLS_CERT_PEM"] = "/nowhere/cert.pem" });

        Assert.Equal("http_server.tls.cert_pem", error.KeyPath);
        Assert.Contains("CENTRIFUGO_HTTP_SERVER_TLS_CERT_PEM", error.Message, StringComparison.Ordinal);
    }

    private static string Json(string value) => JsonSerializer.Serialize(value);

    private static string Base64(string path) => Convert.ToBase64String(File.ReadAllBytes(path));

    private string Write(string json) => _dir.Write("config.json", json);
}
