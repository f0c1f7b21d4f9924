using Gyre.Server.Cli;
using Gyre.Server.Hosting;

return await GyreCli.RunAsync(args, GyreServerHost.ServeAsync);
