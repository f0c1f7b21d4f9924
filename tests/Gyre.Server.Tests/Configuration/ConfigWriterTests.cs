using System.Text.Json.Nodes;
using Gyre.Server.Configuration;

namespace Gyre.Server.Tests.Configuration;

public class ConfigWriterTests
{
    [Theory]
    [InlineData("defaults.json")]
    [InlineData("defaults.yaml")]
    [InlineData("defaults.toml")]
    public void WrittenDefaultsLoadBackUnchangedAndWithoutWarnings(string name)
    {
        using var dir = new TempDirectory();
        var defaults = ConfigWriter.ToTree(new GyreConfig());
        var path = dir.Write(name, ConfigWriter.Serialize(defaults, ConfigFileFormats.FromPath(name)));

        var loaded = Load.File(path);

        Assert.Equal(defaults.ToJsonString(), ConfigWriter.ToTree(loaded.Config).ToJsonString());
        Assert.Empty(loaded.Warnings);
    }

    [Theory]
    [InlineData("config.json")]
    [InlineData("config.yaml")]
    [InlineData("config.toml")]
    public void WrittenNamespacesWithNestedSectionsLoadBack(string name)
    {
        using var dir = new TempDirectory();
        var source = Load.File(dir.Write("source.json", """
            {"channel":{"namespaces":[{"name":"chat","presence":true,"history_size":5,"history_ttl":"30s","map":{"mode":"ephemeral"}},{"name":"news"}]},
             "engine":{"type":"redis","redis":{"address":["redis://a:6379"]}}}
            """));
        var tree = ConfigWriter.ToTree(source.Config);

        var loaded = Load.File(dir.Write(name, ConfigWriter.Serialize(tree, ConfigFileFormats.FromPath(name))));

        Assert.Equal(tree.ToJsonString(), ConfigWriter.ToTree(loaded.Config).ToJsonString());
    }

    [Fact]
    public void DurationsAreWrittenInGoNotation()
    {
        var tree = ConfigWriter.ToTree(new GyreConfig());

        Assert.Equal("25s", tree["client"]!["ping_interval"]!.GetValue<string>());
        Assert.Equal("720h0m0s", tree["channel"]!["history_meta_ttl"]!.GetValue<string>());
        Assert.Equal("1s", tree["websocket"]!["write_timeout"]!.GetValue<string>());
        Assert.Equal(8000, tree["http_server"]!["port"]!.GetValue<int>());
        Assert.Equal("4s", tree["engine"]!["redis"]!["io_timeout"]!.GetValue<string>());
        Assert.Null(tree["map_broker"]);
    }

    [Fact]
    public void EveryKeyTheCentrifugoReferenceNamesForSupportedSectionsIsWritten()
    {
        var tree = ConfigWriter.ToTree(new GyreConfig());
        string[] keys =
        [
            "http_server.address", "http_server.port", "log.level", "client.ping_interval", "client.pong_timeout",
            "client.stale_close_delay", "client.expired_close_delay", "client.queue_max_size", "client.max_messages_in_frame",
            "client.channel_limit", "client.insecure", "client.allow_anonymous_connect_without_token",
            "client.history_max_publication_limit", "client.connect_include_server_time", "client.presence_update_interval",
            "client.allowed_origins", "client.token.hmac_secret_key", "channel.without_namespace", "channel.namespaces",
            "channel.max_length", "channel.private_prefix", "channel.namespace_boundary", "channel.user_boundary",
            "channel.user_separator", "channel.history_meta_ttl", "rpc.ping.enabled", "rpc.ping.method", "http_api.disabled",
            "http_api.handler_prefix", "http_api.key", "http_api.insecure", "http_api.error_mode", "websocket.disabled",
            "websocket.handler_prefix", "websocket.message_size_limit", "websocket.write_timeout", "health.enabled",
            "health.handler_prefix", "node.name", "engine.type", "engine.redis.address", "engine.redis.prefix",
            "engine.redis.connect_timeout", "engine.redis.io_timeout", "engine.redis.presence_ttl", "broker.enabled", "broker.type",
            "broker.nats.url", "broker.nats.prefix", "broker.nats.dial_timeout", "broker.nats.write_timeout", "presence_manager.enabled",
            "presence_manager.type", "presence_manager.redis.address",
        ];

        foreach (var key in keys)
        {
            JsonNode? node = tree;
            foreach (var part in key.Split('.'))
            {
                node = node?[part];
            }
            Assert.True(node is not null, $"{key} is missing");
        }
    }
}
