using Gyre.AspNetCore;
using Gyre.Core;
using Gyre.Server.Hosting;

var settings = new ServerSettings(NodeOptions.Default, GyreEndpointOptions.Default, "", 8000, "info");
await using var app = GyreServerHost.Build(settings);
await app.RunAsync();
