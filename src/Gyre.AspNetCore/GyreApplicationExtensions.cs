using Gyre.AspNetCore.HttpApi;
using Gyre.AspNetCore.WebSockets;
using Gyre.Core;
using Gyre.Core.ServerApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gyre.AspNetCore;

/// <summary>Registration and endpoint mapping of a Gyre node inside an ASP.NET Core application.</summary>
public static class GyreApplicationExtensions
{
    private static readonly byte[] EmptyJsonObject = "{}"u8.ToArray();

    /// <summary>Registers the node, the API executor and the hosted service that starts and drains the node.</summary>
    public static IServiceCollection AddGyre(this IServiceCollection services, NodeOptions nodeOptions, GyreEndpointOptions endpointOptions)
    {
        services.AddSingleton(endpointOptions);
        services.AddSingleton(sp => new Node(nodeOptions, sp.GetRequiredService<ILoggerFactory>(), sp.GetService<TimeProvider>())
        {
            MaxCommandSize = endpointOptions.EffectiveWebSocketReadLimit,
        });
        services.AddSingleton(sp => new ApiExecutor(sp.GetRequiredService<Node>()));
        services.AddHostedService<GyreNodeService>();
        return services;
    }

    /// <summary>
    /// Maps the client transports, the HTTP server API and health. WebSocket uses <c>Map</c>, not <c>MapGet</c>:
    /// WebSockets over HTTP/2 arrive as CONNECT requests.
    /// </summary>
    public static IEndpointRouteBuilder MapGyre(this IEndpointRouteBuilder endpoints)
    {
        var services = endpoints.ServiceProvider;
        var options = services.GetRequiredService<GyreEndpointOptions>();
        var node = services.GetRequiredService<Node>();
        // One limiter for every connection endpoint of the node, as Centrifugo wraps them all in one middleware.
        var limiter = new ConnectionLimiter(node, services.GetRequiredService<ILoggerFactory>().CreateLogger("Gyre.AspNetCore"));
        if (!options.WebSocketDisabled)
        {
            endpoints.Map(options.WebSocketPath, context => WebSocketEndpoint.HandleAsync(context, node, options, limiter));
        }

        if (options.InitEnabled)
        {
            var path = options.InitPath.TrimEnd('/');
            endpoints.MapGet(path.Length == 0 ? "/" : path, async context =>
            {
                if (limiter.Enabled && !limiter.TryAdmit())
                {
                    context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    return;
                }

                context.Response.ContentType = "application/json; charset=utf-8";
                await context.Response.Body.WriteAsync(EmptyJsonObject, context.RequestAborted).ConfigureAwait(false);
            });
        }

        if (!options.HttpApiDisabled)
        {
            endpoints.MapHttpApi(services.GetRequiredService<ApiExecutor>(), options);
        }

        if (options.HealthEnabled)
        {
            endpoints.Map(options.HealthPath, async context =>
            {
                context.Response.ContentType = "application/json";
                await context.Response.Body.WriteAsync(EmptyJsonObject, context.RequestAborted).ConfigureAwait(false);
            });
        }

        return endpoints;
    }

    /// <summary>Enables WebSockets and maps Gyre on an application.</summary>
    public static WebApplication UseGyre(this WebApplication app)
    {
        app.UseWebSockets();
        app.MapGyre();
        return app;
    }
}

/// <summary>
/// Starts the node with the host and, when the host begins stopping, disconnects every client with 3001
/// (shutdown, a reconnect code). Draining happens in <see cref="StoppingAsync"/>, before Kestrel stops:
/// Kestrel waits for open requests (every WebSocket is one) up to its 30 s shutdown timeout, so draining
/// after it would leave clients to time out instead of reconnecting elsewhere at once.
/// </summary>
internal sealed class GyreNodeService(Node node) : IHostedLifecycleService
{
    /// <summary>Clients get this long to receive the 3001 close frame before the process goes on stopping.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => node.StartAsync(cancellationToken).AsTask();

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await node.ShutdownAsync(DrainTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Clients that did not answer the close handshake are dropped with the process.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
