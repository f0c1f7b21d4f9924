using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Gyre.Protocol.Messages;
using Gyre.Testing;

namespace Gyre.Server.Tests.EndToEnd;

/// <summary>The bidirectional gRPC client transport from a stock Grpc.Net.Client with stubs generated from proto/client_grpc.proto.</summary>
public sealed class GrpcClientTransportTests(ServerFixture server) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(server.GrpcClientUri);

    public void Dispose() => _channel.Dispose();

    private static async Task<Reply> NextAsync(AsyncDuplexStreamingCall<Command, Reply> call)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        Assert.True(await call.ResponseStream.MoveNext(timeout.Token), "the server ended the stream");
        return call.ResponseStream.Current;
    }

    private async Task<AsyncDuplexStreamingCall<Command, Reply>> ConnectAsync(string user)
    {
        var call = new Centrifuge.CentrifugeClient(_channel).Connect();
        await call.RequestStream.WriteAsync(new Command { Id = 1, Connect = new ConnectRequest { Token = server.Token(user), Name = "grpc-test" } });
        var reply = await NextAsync(call);
        Assert.Equal(1u, reply.Id);
        Assert.Null(reply.Error);
        Assert.False(string.IsNullOrEmpty(reply.Connect.Client));
        return call;
    }

    [Fact]
    public async Task ClientConnectsSubscribesAndReceivesAPublicationFromTheHttpApi()
    {
        using var call = await ConnectAsync("grpc-1");
        await call.RequestStream.WriteAsync(new Command { Id = 2, Subscribe = new SubscribeRequest { Channel = "grpc-news" } });
        var subscribed = await NextAsync(call);
        Assert.Equal(2u, subscribed.Id);
        Assert.NotNull(subscribed.Subscribe);

        var response = await server.ApiAsync("publish", """{"channel":"grpc-news","data":{"text":"over grpc"}}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var push = (await NextAsync(call)).Push;
        Assert.Equal("grpc-news", push.Channel);
        Assert.Equal("""{"text":"over grpc"}""", push.Pub.Data.ToStringUtf8());
    }

    [Fact]
    public async Task ABadCommandGetsAnErrorReplyAndTheConnectionStaysUsable()
    {
        using var call = await ConnectAsync("grpc-2");
        await call.RequestStream.WriteAsync(new Command { Id = 2, Subscribe = new SubscribeRequest { Channel = "nosuchnamespace:x" } });
        var error = await NextAsync(call);
        Assert.Equal(2u, error.Id);
        Assert.Equal(102u, error.Error.Code);
        Assert.Equal("unknown channel", error.Error.Message);

        await call.RequestStream.WriteAsync(new Command { Id = 3, Subscribe = new SubscribeRequest { Channel = "grpc-after-error" } });
        Assert.Equal(3u, (await NextAsync(call)).Id);
    }

    [Fact]
    public async Task AServerDisconnectArrivesAsADisconnectPushAndEndsTheCall()
    {
        using var call = await ConnectAsync("grpc-3");
        var response = await server.ApiAsync("disconnect", """{"user":"grpc-3"}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var disconnect = (await NextAsync(call)).Push.Disconnect;
        Assert.Equal(3503u, disconnect.Code);
        Assert.Equal("force disconnect", disconnect.Reason);
        Assert.False(disconnect.Reconnect);
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        Assert.False(await call.ResponseStream.MoveNext(timeout.Token));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }
}
