using System.Globalization;
using System.Net;
using System.Text.Json;
using Gyre.Peers;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;

// SIGR: ASP.NET Core SignalR with defaults (JSON hub protocol, 15 s keep-alive), WebSockets only so clients
// skip negotiation. Channels are groups; the publish endpoint calls the hub context's group send.
var port = int.Parse(Args.Get(args, "--port", "18002"), CultureInfo.InvariantCulture);
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k =>
{
    k.AddServerHeader = false;
    k.Listen(IPAddress.Loopback, port);
});
builder.Services.AddSignalR();
var app = builder.Build();
app.MapHub<BenchHub>("/hub", o => o.Transports = HttpTransportType.WebSockets);
app.MapPost("/api/publish", async (HttpContext context, IHubContext<BenchHub> hub) =>
{
    using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
    var channel = body.RootElement.GetProperty("channel").GetString()!;
    var data = body.RootElement.GetProperty("data").Clone();
    await hub.Clients.Group(channel).SendAsync("m", data, context.RequestAborted);
    return Results.Text("{}", "application/json");
});
app.MapGet("/bench/stats", BenchStats.Handle);
await app.RunAsync();

/// <summary>The benchmark hub: subscribe to a channel (group) and an echo method for round trips.</summary>
internal sealed class BenchHub : Hub
{
    public Task Subscribe(string channel) => Groups.AddToGroupAsync(Context.ConnectionId, channel);

    public void Echo(JsonElement data)
    {
    }
}
