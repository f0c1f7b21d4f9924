using System.Collections.Concurrent;
using System.Net.WebSockets;
using Gyre.AspNetCore;
using Gyre.Core;
using Gyre.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gyre.Server.Tests.EndToEnd;

/// <summary>A refused Origin is logged with the key to change: browsers hit the empty default first.</summary>
public class OriginLogTests
{
    [Theory]
    [InlineData(new string[0], "client.allowed_origins is empty")]
    [InlineData(new[] { "https://app.example.com" }, "matches none of client.allowed_origins [https://app.example.com]")]
    public async Task RefusedOriginIsLoggedWithTheReason(string[] allowed, string expected)
    {
        var endpoints = GyreEndpointOptions.Default with { AllowedOrigins = allowed };
        await using var app = GyreServerHost.Build(new ServerSettings(NodeOptions.Default, endpoints, "127.0.0.1", 0, "info"));
        var lines = new CapturingLoggerProvider();
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(lines);
        await app.StartAsync();
        try
        {
            using var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("Origin", "https://evil.test");
            var uri = new Uri($"ws://{GyreServerHost.Addresses(app)[0].Authority}/connection/websocket");

            var error = await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, CancellationToken.None));

            Assert.Contains("403", error.Message, StringComparison.Ordinal);
            var line = Assert.Single(lines.Messages, m => m.Contains("https://evil.test", StringComparison.Ordinal));
            Assert.Contains(expected, line, StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Enqueue(formatter(state, exception));

        public void Dispose()
        {
        }
    }
}
