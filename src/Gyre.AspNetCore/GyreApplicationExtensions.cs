using Gyre.AspNetCore.HttpApi;
using Gyre.AspNetCore.Streaming;
using Gyre.AspNetCore.WebSockets;
using Gyre.Core;
using Gyre.Core.Engine;
using Gyre.Core.ServerApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gyre.AspNetCore;

/// <summary>Registration and endpoint mapping of a Gyre node inside an ASP.NET Core application.</summary>
public static class GyreApplicationExtensions
{
    private static readonly byte[] EmptyJsonObject = "{}"u8.ToArray();
    private static readonly byte[] BrokerUnhealthy = """{"error":"broker round trip failed"}"""u8.ToArray();

    /// <summary>Registers the node, the API executor and the hosted service that starts and drains the node.</summary>
    /// <param name="services">The application's services.</param>
    /// <param name="nodeOptions">Engine options.</param>
    /// <param name="endpointOptions">HTTP endpoint options.</param>
    /// <param name="broker">A multi-node broker (Redis, NATS); null runs the memory broker. The node disposes it.</param>
    /// <param name="presence">A shared presence manager (Redis); null runs the memory one. The node disposes it.</param>
    public static IServiceCollection AddGyre(
        this IServiceCollection services, NodeOptions nodeOptions, GyreEndpointOptions endpointOptions, IBroker? broker = null, IPresenceManager? presence = null)
    {
        services.AddSingleton(endpointOptions);
        services.AddSingleton(sp => new Node(nodeOptions, sp.GetRequiredService<ILoggerFactory>(), sp.GetService<TimeProvider>(), broker, presence)
        {
            MaxCommandSize = endpointOptions.EffectiveWebSocketReadLimit,
        });
        services.AddSingleton(sp => new ApiExecutor(sp.GetRequiredService<Node>()));

        // A multi-node engine registers its own router first to forward /emulation frames to the stream's node.
        services.TryAddSingleton<IEmulationRouter>(sp => new ClusterEmulationRouter(sp.GetRequiredService<Node>()));
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

        MapStreaming(endpoints, node, options, limiter);
        if (!options.HttpApiDisabled)
        {
            endpoints.MapHttpApi(services.GetRequiredService<ApiExecutor>(), options);
        }

        if (options.HealthEnabled)
        {
            // Healthy while the node's own control announcements make the round trip through the broker: a broker
            // that accepts the socket but neither publishes nor delivers makes the node unfit for traffic.
            endpoints.Map(options.HealthPath, async context =>
            {
                context.Response.ContentType = "application/json";
                if (!node.BrokerHealthy)
                {
                    context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    await context.Response.Body.WriteAsync(BrokerUnhealthy, context.RequestAborted).ConfigureAwait(false);
                    return;
                }

                await context.Response.Body.WriteAsync(EmptyJsonObject, context.RequestAborted).ConfigureAwait(false);
            });
        }

        return endpoints;
    }

    /// <summary>
    /// HTTP-streaming, SSE and <c>/emulation</c> (mapped when either is on), and the unidirectional transports. All use
    /// <c>Map</c>: each answers OPTIONS (CORS preflight) and wrong methods (405) itself, as Centrifugo does.
    /// </summary>
    private static void MapStreaming(IEndpointRouteBuilder endpoints, Node node, GyreEndpointOptions options, ConnectionLimiter limiter)
    {
        if (options.HttpStream.Enabled)
        {
            endpoints.Map(options.HttpStream.Path, context => StreamingEndpoints.HandleHttpStreamAsync(context, node, options, limiter));
        }

        if (options.Sse.Enabled)
        {
            endpoints.Map(options.Sse.Path, context => StreamingEndpoints.HandleSseAsync(context, node, options, limiter));
        }

        if (options.HttpStream.Enabled || options.Sse.Enabled)
        {
            var router = endpoints.ServiceProvider.GetRequiredService<IEmulationRouter>();
            endpoints.Map(options.EmulationPath, context => StreamingEndpoints.HandleEmulationAsync(context, router, options));
        }

        if (options.UniHttpStream.Enabled)
        {
            endpoints.Map(options.UniHttpStream.Path, context => StreamingEndpoints.HandleUniHttpStreamAsync(context, node, options, limiter));
        }

        if (options.UniSse.Enabled)
        {
            endpoints.Map(options.UniSse.Path, context => StreamingEndpoints.HandleUniSseAsync(context, node, options, limiter));
        }

        if (options.UniWebSocket.Enabled)
        {
            endpoints.Map(options.UniWebSocket.Path, context => UniWebSocketEndpoint.HandleAsync(context, node, options, limiter));
        }
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
