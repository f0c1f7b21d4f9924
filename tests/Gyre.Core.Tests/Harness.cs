using System.Text;
using System.Text.Json;
using Gyre.Core;
using Gyre.Core.Auth;
using Gyre.Core.Channels;
using Gyre.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Gyre.Core.Tests;

/// <summary>A node on a fake clock with clients on test transports.</summary>
internal sealed class Harness : IAsyncDisposable
{
    public const string Secret = "secret";

    public Harness(Func<NodeOptions, NodeOptions>? configure = null, Engine.IBroker? broker = null)
    {
        var options = NodeOptions.Default with
        {
            Token = new TokenOptions { HmacSecretKey = Secret },
            Channels = new ChannelsOptions
            {
                WithoutNamespace = new ChannelOptions { AllowSubscribeForClient = true, AllowPublishForSubscriber = true },
                Namespaces =
                [
                    new ChannelNamespace("chat", new ChannelOptions { AllowSubscribeForClient = true, AllowPublishForClient = true, Presence = true, AllowPresenceForSubscriber = true, JoinLeave = true }),
                    new ChannelNamespace("history", new ChannelOptions { AllowSubscribeForClient = true, AllowHistoryForClient = true, HistorySize = 10, HistoryTtl = TimeSpan.FromMinutes(5) }),
                    new ChannelNamespace("locked", new ChannelOptions()),
                ],
            },
        };
        Node = new Node(configure?.Invoke(options) ?? options, time: Time, broker: broker ?? new Engine.Memory.MemoryBroker(Time));
        Node.StartAsync().AsTask().GetAwaiter().GetResult();
    }

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public Node Node { get; }

    public string Token(string user, TimeSpan? ttl = null, object? extra = null)
    {
        var claims = new Dictionary<string, object> { ["sub"] = user, ["iat"] = Time.GetUtcNow().ToUnixTimeSeconds() };
        if (ttl is { } t)
        {
            claims["exp"] = Time.GetUtcNow().Add(t).ToUnixTimeSeconds();
        }

        if (extra is not null)
        {
            foreach (var property in JsonSerializer.SerializeToElement(extra).EnumerateObject())
            {
                claims[property.Name] = property.Value;
            }
        }

        return HmacTokens.Create(Secret, claims);
    }

    public TestClient NewClient() => new(Node);

    /// <summary>A client connected as <paramref name="user"/>, with its connect reply consumed.</summary>
    public async Task<TestClient> ConnectedAsync(string user = "42")
    {
        var client = NewClient();
        await client.SendAsync($$$"""{"id":1,"connect":{"token":"{{{Token(user)}}}"}}""");
        var reply = await client.NextJsonAsync();
        Assert.True(reply.TryGetProperty("connect", out _), reply.ToString());
        return client;
    }

    public async ValueTask DisposeAsync() => await Node.DisposeAsync();
}

/// <summary>A client on a <see cref="TestTransport"/>, speaking JSON frames.</summary>
internal sealed class TestClient
{
    public TestClient(Node node)
    {
        Transport = new TestTransport();
        Client = node.Connect(Transport);
    }

    public TestTransport Transport { get; }

    public Client Client { get; }

    public async Task<bool> SendAsync(string frame) => await Client.HandleFrameAsync(Encoding.UTF8.GetBytes(frame)).AsTask().DefaultTimeout();

    public Task<string> NextAsync() => Transport.NextAsync();

    public async Task<JsonElement> NextJsonAsync() => JsonDocument.Parse(await NextAsync()).RootElement;

    /// <summary>Sends one command and returns the reply with the same id, skipping pings and pushes.</summary>
    public async Task<JsonElement> RequestAsync(uint id, string method, string request)
    {
        await SendAsync($$$"""{"id":{{{id}}},"{{{method}}}":{{{request}}}}""");
        while (true)
        {
            var reply = await NextJsonAsync();
            if (reply.TryGetProperty("id", out var got) && got.GetUInt32() == id)
            {
                return reply;
            }
        }
    }

    public async Task<uint> ClosedWithAsync() => (await Transport.Closed.DefaultTimeout()).Code;
}
