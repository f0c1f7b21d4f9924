using Gyre.Server.Configuration;

namespace Gyre.Server.Tests.Configuration;

public class ConfigPrecedenceTests
{
    [Fact]
    public void EnvironmentVariableOverridesFileValue()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", """{"client":{"ping_interval":"20s","token":{"hmac_secret_key":"from-file"}},"http_api":{"key":"file-key"}}""");

        var loaded = Load.File(path, new()
        {
            ["CENTRIFUGO_CLIENT_PING_INTERVAL"] = "30s",
            ["CENTRIFUGO_CLIENT_TOKEN_HMAC_SECRET_KEY"] = "from-env",
            ["CENTRIFUGO_HTTP_API_KEY"] = "env-key",
        });

        Assert.Equal(TimeSpan.FromSeconds(30), loaded.Node.Client.PingInterval);
        Assert.Equal("from-env", loaded.Node.Token.HmacSecretKey);
        Assert.Equal("env-key", loaded.Endpoints.HttpApiKey);
    }

    [Fact]
    public void GyrePrefixWinsOverCentrifugoPrefixForTheSameKey()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", """{"http_server":{"port":8001}}""");

        var loaded = Load.File(path, new()
        {
            ["CENTRIFUGO_HTTP_SERVER_PORT"] = "8002",
            ["GYRE_HTTP_SERVER_PORT"] = "8003",
        });

        Assert.Equal(8003, loaded.Port);
    }

    [Fact]
    public void EmptyEnvironmentValueCountsAsUnset()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", """{"http_server":{"port":8001}}""");

        var loaded = Load.File(path, new()
        {
            ["GYRE_HTTP_SERVER_PORT"] = "",
            ["CENTRIFUGO_HTTP_SERVER_PORT"] = "8002",
            ["CENTRIFUGO_LOG_LEVEL"] = "",
        });

        Assert.Equal(8002, loaded.Port);
        Assert.Equal("info", loaded.LogLevel);
    }

    [Fact]
    public void FlagOverridesEnvironmentAndFile()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", """{"http_server":{"port":8001},"client":{"insecure":false}}""");

        var loaded = Load.File(
            path,
            new() { ["CENTRIFUGO_HTTP_SERVER_PORT"] = "8002", ["GYRE_CLIENT_INSECURE"] = "false" },
            new() { ["http_server.port"] = "8003", ["client.insecure"] = "true" });

        Assert.Equal(8003, loaded.Port);
        Assert.True(loaded.Node.Client.Insecure);
    }

    [Fact]
    public void EnvironmentValuesUseGoEncodings()
    {
        var loaded = Load.WithoutFile(new()
        {
            ["CENTRIFUGO_CLIENT_INSECURE"] = "T",
            ["CENTRIFUGO_CLIENT_CHANNEL_LIMIT"] = "0x100",
            ["CENTRIFUGO_CLIENT_PRESENCE_UPDATE_INTERVAL"] = "1m30s",
            ["CENTRIFUGO_CLIENT_ALLOWED_ORIGINS"] = "https://a.example.com  https://b.example.com",
        });

        Assert.True(loaded.Node.Client.Insecure);
        Assert.Equal(256, loaded.Node.Client.ChannelLimit);
        Assert.Equal(TimeSpan.FromSeconds(90), loaded.Node.Client.PresenceUpdateInterval);
        Assert.Equal(["https://a.example.com", "https://b.example.com"], loaded.Endpoints.AllowedOrigins);
    }

    [Fact]
    public void NamespacesFromJsonEnvironmentVariableReplaceFileNamespaces()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", """{"channel":{"namespaces":[{"name":"old"}]}}""");

        var loaded = Load.File(path, new()
        {
            ["CENTRIFUGO_CHANNEL_NAMESPACES"] = """[{"name":"chat","presence":true},{"name":"news"}]""",
        });

        Assert.Equal(["chat", "news"], loaded.Node.Channels.Namespaces.Select(ns => ns.Name));
        Assert.True(loaded.Node.Channels.Namespaces[0].Options.Presence);
    }

    [Fact]
    public void NamespaceItemKeysCanBeSetOneByOne()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", """{"channel":{"namespaces":[{"name":"chat-room","presence":false}]}}""");

        var loaded = Load.File(path, new()
        {
            ["CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_ROOM_PRESENCE"] = "true",
            ["CENTRIFUGO_CHANNEL_NAMESPACES_CHAT_ROOM_HISTORY_SIZE"] = "10",
            ["GYRE_CHANNEL_NAMESPACES_CHAT_ROOM_HISTORY_TTL"] = "60s",
        });

        var chat = Assert.Single(loaded.Node.Channels.Namespaces).Options;
        Assert.True(chat.Presence);
        Assert.Equal(10, chat.HistorySize);
        Assert.Equal(TimeSpan.FromSeconds(60), chat.HistoryTtl);
        Assert.Empty(loaded.Warnings);
    }

    [Fact]
    public void NamespaceNameListAppendsNamespacesConfiguredPerItem()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", """{"channel":{"namespaces":[{"name":"chat"}]}}""");

        var loaded = Load.File(path, new()
        {
            ["CENTRIFUGO_CHANNEL_NAMESPACES"] = "chat news",
            ["CENTRIFUGO_CHANNEL_NAMESPACES_NEWS_ALLOW_SUBSCRIBE_FOR_CLIENT"] = "true",
        });

        Assert.Equal(["chat", "news"], loaded.Node.Channels.Namespaces.Select(ns => ns.Name));
        Assert.True(loaded.Node.Channels.Namespaces[1].Options.AllowSubscribeForClient);
    }

    [Fact]
    public void UnknownPrefixedEnvironmentVariableIsAWarning()
    {
        var loaded = Load.WithoutFile(new()
        {
            ["CENTRIFUGO_CLIENT_PING_INTERVALL"] = "1s",
            ["GYRE_NOPE"] = "1",
            ["CENTRIFUGO_SERVICE_HOST"] = "10.0.0.1",
            ["CENTRIFUGO_PORT_8000_TCP"] = "tcp://10.0.0.1:8000",
            ["CENTRIFUGO_VAR_SECRET"] = "x",
            ["CENTRIFUGO_ENGINE_REDIS_ADDRESS"] = "redis://redis:6379",
            ["HOME"] = "/root",
        });

        Assert.Equal(
            ["unknown environment variable CENTRIFUGO_CLIENT_PING_INTERVALL", "unknown environment variable GYRE_NOPE"],
            loaded.Warnings.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void DefaultConfigFileMayBeMissing()
    {
        using var dir = new TempDirectory();

        var loaded = ConfigLoader.Load(new ConfigSources
        {
            DefaultPath = dir.File("config.json"),
            Environment = new Dictionary<string, string?> { ["CENTRIFUGO_HTTP_SERVER_PORT"] = "9001" },
        });

        Assert.Equal(9001, loaded.Port);
        Assert.Null(loaded.ConfigFile);
        Assert.Equal([ConfigLoader.ConfigFileNotFoundWarning], loaded.Warnings);
    }

    [Fact]
    public void DotEnvFileFeedsTheEnvironmentWithoutOverridingRealVariables()
    {
        using var dir = new TempDirectory();
        var dotEnv = DotEnvFile.Parse("CENTRIFUGO_HTTP_SERVER_PORT=9002\nCENTRIFUGO_LOG_LEVEL=debug\n", dir.File(".env"));

        var environment = DotEnvFile.Underlay(new Dictionary<string, string?> { ["CENTRIFUGO_LOG_LEVEL"] = "warn" }, dotEnv);
        var loaded = Load.WithoutFile(environment);

        Assert.Equal(9002, loaded.Port);
        Assert.Equal("warn", loaded.LogLevel);
    }

    [Fact]
    public void UnsupportedSectionIsKeptAndReported()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", """{"map_broker":{"type":"redis","redis":{"address":["redis://redis:6379"]}}}""");

        var loaded = Load.File(path, flags: new() { ["admin.enabled"] = "true" });

        Assert.Equal("redis", loaded.Config.MapBroker?["type"]?.GetValue<string>());
        Assert.Equal("true", loaded.Config.Admin?["enabled"]?.GetValue<string>());
        Assert.Contains(loaded.Warnings, w => w.StartsWith("map_broker is not supported by Gyre yet", StringComparison.Ordinal) && w.Contains(path, StringComparison.Ordinal));
        Assert.Contains(loaded.Warnings, w => w.StartsWith("admin is not supported by Gyre yet", StringComparison.Ordinal) && w.Contains("flag --admin.enabled", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownKeyOutsideChannelOptionsIsAWarning()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", """{"client":{"ping_intervall":"5s"},"nonsense":1}""");

        var loaded = Load.File(path);

        Assert.Equal(
            [$"unknown key client.ping_intervall in configuration (from config file {path})", $"unknown key nonsense in configuration (from config file {path})"],
            loaded.Warnings);
    }

    [Fact]
    public void AcceptedChannelOptionsAreKeptInTheTypedConfig()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.yaml", """
            channel:
              namespaces:
                - name: deltas
                  allowed_delta_types: [fossil]
                  delta_publish: true
                  force_recovery_mode: cache
                  channel_regex: "^[a-z]+$"
                  publication_data_format: json
                  subscription_type: map
                  subscribe_proxy_enabled: true
                  map:
                    mode: recoverable
                    key_ttl: 60s
            """);

        var ns = Assert.Single(Load.File(path).Config.Channel.Namespaces);

        Assert.Equal(["fossil"], ns.AllowedDeltaTypes);
        Assert.True(ns.DeltaPublish);
        Assert.Equal("cache", ns.ForceRecoveryMode);
        Assert.Equal("^[a-z]+$", ns.ChannelRegex);
        Assert.Equal("json", ns.PublicationDataFormat);
        Assert.Equal("map", ns.SubscriptionType);
        Assert.True(ns.SubscribeProxyEnabled);
        Assert.Equal("default", ns.SubscribeProxyName);
        Assert.Equal("recoverable", ns.Map.Mode);
        Assert.Equal(TimeSpan.FromSeconds(60), ns.Map.KeyTtl);
    }
}
