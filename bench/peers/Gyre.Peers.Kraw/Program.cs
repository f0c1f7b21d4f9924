using System.Globalization;
using System.Net;
using Gyre.Peers;
using Gyre.Peers.Kraw;
using Microsoft.AspNetCore.Http.Features;

// KRAW: raw Kestrel WebSocket broadcast. The HTTP upgrade is done by hand on Kestrel's upgrade stream so a
// publication is framed once and every connection's writer drains everything queued into one write.
var port = int.Parse(Args.Get(args, "--port", "18001"), CultureInfo.InvariantCulture);
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k =>
{
    k.AddServerHeader = false;
    k.Listen(IPAddress.Loopback, port);
});
var app = builder.Build();
var hub = new RawHub();
using var pinger = new Timer(_ => hub.PingAll(), null, TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(25));

app.Map("/ws", async context =>
{
    var upgrade = context.Features.Get<IHttpUpgradeFeature>();
    var key = context.Request.Headers["Sec-WebSocket-Key"].ToString();
    if (upgrade is null || !upgrade.IsUpgradableRequest || key.Length == 0)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return;
    }

    context.Response.Headers.Upgrade = "websocket";
    context.Response.Headers.Connection = "Upgrade";
    context.Response.Headers.SecWebSocketAccept = Frames.AcceptKey(key);
    var stream = await upgrade.UpgradeAsync();
    var connection = new RawConnection(stream, hub);
    await connection.RunAsync(context.RequestAborted);
});

app.MapPost("/api/publish", async context =>
{
    var body = await Frames.ReadBodyAsync(context.Request.BodyReader, context.RequestAborted);
    if (!Frames.TryParsePublish(body, out var channel, out var data))
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return;
    }

    hub.Broadcast(channel, Frames.Text(data));
    context.Response.ContentType = "application/json";
    await context.Response.Body.WriteAsync("{}"u8.ToArray(), context.RequestAborted);
});

app.MapGet("/bench/stats", BenchStats.Handle);
await app.RunAsync();
