using Gyre.AspNetCore;
using Gyre.Core;
using Gyre.Core.Auth;
using Gyre.Core.Channels;
using Gyre.Peers;
using Gyre.Server.Hosting;

// OURS: Gyre with Centrifugo defaults except what the benchmark needs: HS256 connection tokens, channels
// without namespace open to authenticated subscribers, the built-in `ping` RPC (S5's in-process command),
// an API key for the HTTP publish API. History, presence and recovery stay off, as in the peers.
var port = int.Parse(Args.Get(args, "--port", "18000"), System.Globalization.CultureInfo.InvariantCulture);
var node = NodeOptions.Default with
{
    Token = new TokenOptions { HmacSecretKey = Args.Get(args, "--hmac-secret", "bench-secret") },
    Channels = ChannelsOptions.Default with
    {
        WithoutNamespace = ChannelOptions.Default with { AllowSubscribeForClient = true },
    },
    Rpc = RpcOptions.Default with { PingEnabled = true },
};
var endpoints = GyreEndpointOptions.Default with { HttpApiKey = Args.Get(args, "--api-key", "bench") };
await using var app = GyreServerHost.Build(new ServerSettings(node, endpoints, "127.0.0.1", port, "none"));
app.MapGet("/bench/stats", BenchStats.Handle);
await app.RunAsync();
