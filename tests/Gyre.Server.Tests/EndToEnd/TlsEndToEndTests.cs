using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Gyre.Protocol.Api;
using Gyre.Server.Configuration;
using Gyre.Server.Hosting;
using Gyre.Specification.Tests.Servers;
using Gyre.Testing;
using Microsoft.AspNetCore.Builder;

namespace Gyre.Server.Tests.EndToEnd;

/// <summary>
/// A Gyre server loaded from a config file with <c>http_server.tls</c> (certificate as a file path, key as base64
/// PEM) and <c>grpc_api.tls</c> with <c>client_ca_pem</c> (mutual TLS), certificates from a private CA made here.
/// </summary>
public sealed class TlsServerFixture : IAsyncLifetime
{
    public const string Secret = "tls-secret";
    public const string ApiKey = "tls-api-key";

    private WebApplication? _app;

    public TestPki Pki { get; } = TestPki.Create();

    public Uri BaseUri { get; private set; } = null!;

    public Uri GrpcUri { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var key = Convert.ToBase64String(File.ReadAllBytes(Pki.ServerKeyPath));
        var tls = $$"""{ "enabled": true, "cert_pem": {{JsonSerializer.Serialize(Pki.ServerCertPath)}}, "key_pem": "{{key}}" }""";
        var grpcTls = $$"""{ "enabled": true, "cert_pem": {{JsonSerializer.Serialize(Pki.ServerCertPath)}}, "key_pem": {{JsonSerializer.Serialize(Pki.ServerKeyPath)}}, "client_ca_pem": {{JsonSerializer.Serialize(File.ReadAllText(Pki.CaPath))}} }""";
        var configFile = Path.Combine(Pki.Directory, "config.json");
        File.WriteAllText(configFile, $$"""
            {
              "http_server": { "tls": {{tls}} },
              "client": { "token": { "hmac_secret_key": "{{Secret}}" } },
              "http_api": { "key": "{{ApiKey}}" },
              "grpc_api": { "enabled": true, "address": "127.0.0.1", "key": "{{ApiKey}}", "tls": {{grpcTls}} },
              "channel": { "without_namespace": { "allow_subscribe_for_client": true } }
            }
            """);
        var config = ConfigLoader.Load(configFile, new Dictionary<string, string?>(), new Dictionary<string, string>());
        _app = GyreServerHost.Build(new ServerSettings(
            config.Node, config.Endpoints, "127.0.0.1", 0, "none", ConfigMapper.ToGrpcApiOptions(config.Config) with { Port = 0 }, Tls: ConfigMapper.ToListenerTls(config.Config)));
        await _app.StartAsync().DefaultTimeout();
        var addresses = GyreServerHost.Addresses(_app);
        BaseUri = addresses[0];
        GrpcUri = addresses[1];
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Pki.Dispose();
    }

    public string Token(string user) => HmacTokens.Create(Secret, new { sub = user, iat = HmacTokens.UnixNow() });
}

/// <summary>HTTPS API, WebSocket over TLS and the gRPC API behind mutual TLS, through real sockets.</summary>
public sealed class TlsEndToEndTests(TlsServerFixture server) : IClassFixture<TlsServerFixture>
{
    [Fact]
    public void ListenersAnnounceHttps()
    {
        Assert.Equal("https", server.BaseUri.Scheme);
        Assert.Equal("https", server.GrpcUri.Scheme);
    }

    [Fact]
    public async Task HttpsApiPublishReachesAWssSubscriber()
    {
        await using var client = await ConnectAsync("alice");
        await client.SendAsync("""{"id":2,"subscribe":{"channel":"secure"}}""");
        Assert.True((await client.NextJsonAsync()).TryGetProperty("subscribe", out _));

        using var http = new HttpClient(server.Pki.Handler()) { BaseAddress = server.BaseUri };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/publish")
        {
            Content = new StringContent("""{"channel":"secure","data":{"over":"tls"}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-API-Key", TlsServerFixture.ApiKey);
        using var response = await http.SendAsync(request).WaitAsync(TestTimeouts.Default);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.TryGetProperty("result", out _), body.GetRawText());

        var push = await client.NextJsonAsync();
        Assert.Equal("""{"over":"tls"}""", push.GetProperty("push").GetProperty("pub").GetProperty("data").GetRawText());
    }

    [Fact]
    public async Task PlainHttpToTheTlsPortFails()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{server.BaseUri.Authority}") };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/info") { Content = new StringContent("{}") };
        request.Headers.Add("X-API-Key", TlsServerFixture.ApiKey);

        // Kestrel answers a cleartext request on a TLS port by closing the connection.
        await Assert.ThrowsAsync<HttpRequestException>(() => http.SendAsync(request).WaitAsync(TestTimeouts.Default));
    }

    [Fact]
    public async Task HttpsIsRefusedByAClientThatDoesNotTrustTheCa()
    {
        using var http = new HttpClient { BaseAddress = server.BaseUri };
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => http.PostAsync("/api/info", new StringContent("{}")).WaitAsync(TestTimeouts.Default));
        Assert.IsType<System.Security.Authentication.AuthenticationException>(error.InnerException);
    }

    [Fact]
    public async Task GrpcWithAClientCertificateAndKeyPublishes()
    {
        using var channel = GrpcChannel.ForAddress(server.GrpcUri, new GrpcChannelOptions { HttpHandler = server.Pki.Handler(presentClientCertificate: true) });
        var api = new CentrifugoApi.CentrifugoApiClient(channel);

        var response = await api.PublishAsync(
            new PublishRequest { Channel = "grpc-secure", Data = ByteString.CopyFromUtf8("{}") },
            new Metadata { { "authorization", "apikey " + TlsServerFixture.ApiKey } }).ResponseAsync.WaitAsync(TestTimeouts.Default);

        Assert.Null(response.Error);
        Assert.NotNull(response.Result);
    }

    [Fact]
    public async Task GrpcWithoutAClientCertificateIsRefused()
    {
        using var channel = GrpcChannel.ForAddress(server.GrpcUri, new GrpcChannelOptions { HttpHandler = server.Pki.Handler() });
        var api = new CentrifugoApi.CentrifugoApiClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => api.InfoAsync(
            new InfoRequest(), new Metadata { { "authorization", "apikey " + TlsServerFixture.ApiKey } }).ResponseAsync.WaitAsync(TestTimeouts.Default));

        // With TLS 1.3 the server checks the client certificate after the client's handshake ends, so the refusal
        // reaches the client either as a failed connection (Unavailable) or as a broken stream (Internal).
        Assert.Contains(error.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
    }

    private async Task<WireClient> ConnectAsync(string user)
    {
        var socket = new ClientWebSocket();
        socket.Options.RemoteCertificateValidationCallback = (_, certificate, _, errors) => server.Pki.TrustsServer(certificate, errors);
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        await socket.ConnectAsync(new Uri($"wss://{server.BaseUri.Authority}/connection/websocket"), timeout.Token);
        var client = new WireClient(socket);
        var reply = await client.ConnectAsync(server.Token(user));
        Assert.True(reply.TryGetProperty("client", out _), reply.GetRawText());
        return client;
    }
}
