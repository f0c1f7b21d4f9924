using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Gyre.AspNetCore;
using Gyre.Benchmarks.Embedded;
using Gyre.Core;
using Gyre.Grpc;
using Gyre.Protocol;
using Gyre.Protocol.Api;
using Gyre.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Gyre.Benchmarks.ServerApi;

/// <summary>
/// How many publishes per second does the server API take from one backend, over HTTP/1.1 keep-alive JSON and over
/// gRPC, each delivered to one subscriber?
/// </summary>
/// <remarks>
/// <para>
/// A real Kestrel server on 127.0.0.1 (HTTP API on one port, gRPC API on an h2c port) with one subscriber on an
/// <see cref="EmbeddedTransport"/>, so the delivery side costs no socket. One operation = <see cref="InFlight"/>
/// publishes started together and awaited, plus their deliveries; <c>OperationsPerInvoke</c> makes the reported time
/// the cost of one publish, so 1 s / Mean is the publish rate. HTTP uses up to <see cref="InFlight"/> keep-alive
/// connections of one <see cref="HttpClient"/>; gRPC multiplexes them as streams on one HTTP/2 connection.
/// </para>
/// <para>The client and the server share the machine's cores: the rates are of the pair, as in BENCHMARKS.md.</para>
/// </remarks>
[MemoryDiagnoser]
[MedianColumn]
public class ServerApiBenchmarks
{
    /// <summary>Concurrent publishes per operation: enough to keep both cores busy, as a backend with a pool would.</summary>
    public const int InFlight = 32;

    private const string Channel = "api-bench";
    private const string ApiKey = "bench-api-key";

    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private GrpcChannel _channel = null!;
    private CentrifugoApi.CentrifugoApiClient _grpc = null!;
    private Metadata _grpcKey = null!;
    private DeliveryCountdown _countdown = null!;
    private byte[] _body = [];
    private PublishRequest _request = null!;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        _channel.Dispose();
        _http.Dispose();
        _app.StopAsync().GetAwaiter().GetResult();
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _countdown.Dispose();
    }

    /// <summary>POST /api/publish with a JSON body and <c>X-API-Key</c>, over keep-alive connections.</summary>
    [Benchmark(OperationsPerInvoke = InFlight)]
    public void HttpPublish()
    {
        _countdown.Reset(InFlight);
        var publishes = new Task[InFlight];
        for (var i = 0; i < InFlight; i++)
        {
            publishes[i] = PostAsync();
        }

        Task.WaitAll(publishes);
        _countdown.Wait(EmbeddedServer.Timeout);
    }

    /// <summary><c>CentrifugoApi.Publish</c> with the <c>authorization: apikey</c> metadata, on one h2c connection.</summary>
    [Benchmark(OperationsPerInvoke = InFlight)]
    public void GrpcPublish()
    {
        _countdown.Reset(InFlight);
        var publishes = new Task[InFlight];
        for (var i = 0; i < InFlight; i++)
        {
            publishes[i] = _grpc.PublishAsync(_request, _grpcKey).ResponseAsync;
        }

        Task.WaitAll(publishes);
        _countdown.Wait(EmbeddedServer.Timeout);
    }

    private async Task PostAsync()
    {
        // A request disposes its content, so each gets its own wrapper over the shared body bytes.
        var content = new ByteArrayContent(_body);
        content.Headers.ContentType = JsonType;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/publish") { Content = content };
        request.Headers.Add("X-API-Key", ApiKey);
        using var response = await _http.SendAsync(request).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    private async Task SetupAsync()
    {
        var endpoints = GyreEndpointOptions.Default with { HttpApiKey = ApiKey };
        var grpc = new GrpcApiOptions { Enabled = true, Port = 0, Key = ApiKey };
        _app = GyreServerHost.Build(new ServerSettings(EmbeddedServer.Options, endpoints, "127.0.0.1", 0, "none", grpc));
        await _app.StartAsync();
        var addresses = GyreServerHost.Addresses(_app);

        _countdown = new DeliveryCountdown();
        var node = _app.Services.GetRequiredService<Node>();
        var transport = new EmbeddedTransport(ProtocolType.Json, _countdown);
        var subscriber = node.Connect(transport);
        _countdown.Reset(2);
        if (!await subscriber.HandleFrameAsync("""{"id":1,"connect":{}}"""u8.ToArray())
            || !await subscriber.HandleFrameAsync(System.Text.Encoding.UTF8.GetBytes($$$"""{"id":2,"subscribe":{"channel":"{{{Channel}}}"}}""")))
        {
            throw new InvalidOperationException($"the subscriber was disconnected: {transport.ClosedWith}");
        }

        _countdown.Wait(EmbeddedServer.Timeout);

        _body = System.Text.Encoding.UTF8.GetBytes($$$"""{"channel":"{{{Channel}}}","data":{{{System.Text.Encoding.UTF8.GetString(Payloads.Json)}}}}""");
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = InFlight }) { BaseAddress = addresses[0] };

        _channel = GrpcChannel.ForAddress(addresses[1]);
        _grpc = new CentrifugoApi.CentrifugoApiClient(_channel);
        _grpcKey = new Metadata { { "authorization", "apikey " + ApiKey } };
        _request = new PublishRequest { Channel = Channel, Data = ByteString.CopyFrom(Payloads.Json) };

        // One of each before measuring, so that connection setup is not in the first iteration.
        HttpPublish();
        GrpcPublish();
    }
}
