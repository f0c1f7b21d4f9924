using Gyre.Server.Configuration;

namespace Gyre.Server.Tests.Configuration;

public class ConfigFormatTests
{
    private const string Json = """
        {
          "http_server": { "address": "127.0.0.1", "port": 9000 },
          "log": { "level": "debug" },
          "client": {
            "ping_interval": "20s",
            "pong_timeout": 5000000000,
            "allowed_origins": ["https://app.example.com", "https://*.example.org"],
            "queue_max_size": 2048,
            "token": { "hmac_secret_key": "secret" }
          },
          "channel": {
            "without_namespace": { "allow_subscribe_for_client": true },
            "namespaces": [
              { "name": "chat", "presence": true, "history_size": 100, "history_ttl": "300s", "force_recovery": true },
              { "name": "news", "allow_subscribe_for_anonymous": true }
            ]
          },
          "rpc": { "ping": { "enabled": true } },
          "http_api": { "key": "api-key" },
          "websocket": { "write_timeout": "1500ms" },
          "node": { "name": "node-a" }
        }
        """;

    private const string Yaml = """
        http_server:
          address: 127.0.0.1
          port: 9000
        log:
          level: debug
        client:
          ping_interval: 20s
          pong_timeout: 5000000000
          allowed_origins:
            - https://app.example.com
            - "https://*.example.org"
          queue_max_size: 2048
          token:
            hmac_secret_key: secret
        channel:
          without_namespace:
            allow_subscribe_for_client: true
          namespaces:
            - name: chat
              presence: true
              history_size: 100
              history_ttl: 300s
              force_recovery: true
            - name: news
              allow_subscribe_for_anonymous: true
        rpc:
          ping:
            enabled: true
        http_api:
          key: api-key
        websocket:
          write_timeout: 1500ms
        node:
          name: node-a
        """;

    private const string Toml = """
        [http_server]
        address = "127.0.0.1"
        port = 9000

        [log]
        level = "debug"

        [client]
        ping_interval = "20s"
        pong_timeout = 5000000000
        allowed_origins = ["https://app.example.com", "https://*.example.org"]
        queue_max_size = 2048

        [client.token]
        hmac_secret_key = "secret"

        [channel.without_namespace]
        allow_subscribe_for_client = true

        [[channel.namespaces]]
        name = "chat"
        presence = true
        history_size = 100
        history_ttl = "300s"
        force_recovery = true

        [[channel.namespaces]]
        name = "news"
        allow_subscribe_for_anonymous = true

        [rpc.ping]
        enabled = true

        [http_api]
        key = "api-key"

        [websocket]
        write_timeout = "1500ms"

        [node]
        name = "node-a"
        """;

    [Theory]
    [InlineData("config.json", Json)]
    [InlineData("config.yaml", Yaml)]
    [InlineData("config.yml", Yaml)]
    [InlineData("config.toml", Toml)]
    public void EveryFormatLoadsTheSameConfig(string name, string content)
    {
        using var dir = new TempDirectory();
        var expected = Load.File(dir.Write("reference.json", Json));

        var loaded = Load.File(dir.Write(name, content));

        Assert.Equal(ConfigWriter.ToTree(expected.Config).ToJsonString(), ConfigWriter.ToTree(loaded.Config).ToJsonString());
        Assert.Equal(expected.Node with { Channels = loaded.Node.Channels }, loaded.Node);
        Assert.Equal(expected.Node.Channels.Namespaces, loaded.Node.Channels.Namespaces);
        Assert.Equal(expected.Endpoints with { AllowedOrigins = loaded.Endpoints.AllowedOrigins }, loaded.Endpoints);
        Assert.Equal(dir.File(name), loaded.ConfigFile);
        Assert.Empty(loaded.Warnings);
    }

    [Fact]
    public void LoadedValuesAreMappedOntoTheOptionRecords()
    {
        using var dir = new TempDirectory();

        var loaded = Load.File(dir.Write("config.json", Json));

        Assert.Equal("127.0.0.1", loaded.Address);
        Assert.Equal(9000, loaded.Port);
        Assert.Equal("debug", loaded.LogLevel);
        Assert.Equal("node-a", loaded.Node.Name);
        Assert.Equal(TimeSpan.FromSeconds(20), loaded.Node.Client.PingInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), loaded.Node.Client.PongTimeout);
        Assert.Equal(2048, loaded.Node.Client.QueueMaxSize);
        Assert.Equal("secret", loaded.Node.Token.HmacSecretKey);
        Assert.True(loaded.Node.Rpc.PingEnabled);
        Assert.True(loaded.Node.Channels.WithoutNamespace.AllowSubscribeForClient);
        var chat = Assert.Single(loaded.Node.Channels.Namespaces, ns => ns.Name == "chat");
        Assert.True(chat.Options.Presence);
        Assert.True(chat.Options.HistoryEnabled);
        Assert.Equal(TimeSpan.FromSeconds(300), chat.Options.HistoryTtl);
        Assert.Equal(["https://app.example.com", "https://*.example.org"], loaded.Endpoints.AllowedOrigins);
        Assert.Equal("api-key", loaded.Endpoints.HttpApiKey);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), loaded.Endpoints.WebSocketWriteTimeout);
    }

    [Fact]
    public void MissingKeysKeepCentrifugoDefaults()
    {
        var loaded = Load.WithoutFile();

        Assert.Equal("", loaded.Address);
        Assert.Equal(8000, loaded.Port);
        Assert.Equal("info", loaded.LogLevel);
        Assert.Null(loaded.ConfigFile);
        Assert.Equal(Core.ClientOptions.Default, loaded.Node.Client);
        Assert.Equal(Core.Channels.ChannelsOptions.Default.HistoryMetaTtl, loaded.Node.Channels.HistoryMetaTtl);
        Assert.Empty(loaded.Node.Channels.Namespaces);
        Assert.Equal(AspNetCore.GyreEndpointOptions.Default with { AllowedOrigins = loaded.Endpoints.AllowedOrigins }, loaded.Endpoints);
        Assert.Equal(Environment.MachineName, loaded.Node.Name);
    }

    [Fact]
    public void ZeroForAnOptionWithNonZeroDefaultKeepsTheDefault()
    {
        using var dir = new TempDirectory();

        var loaded = Load.File(dir.Write("config.json", """{"http_server":{"port":0},"client":{"channel_limit":0,"ping_interval":"0s"},"health":{"enabled":false}}"""));

        Assert.Equal(8000, loaded.Port);
        Assert.Equal(128, loaded.Node.Client.ChannelLimit);
        Assert.Equal(TimeSpan.FromSeconds(25), loaded.Node.Client.PingInterval);
        Assert.False(loaded.Endpoints.HealthEnabled);
    }

    [Fact]
    public void EnvironmentVariableCanSetZeroWhereTheFileCannot()
    {
        var loaded = Load.WithoutFile(
            new() { ["CENTRIFUGO_CLIENT_CHANNEL_LIMIT"] = "0" },
            new() { ["http_server.port"] = "0" });

        Assert.Equal(0, loaded.Node.Client.ChannelLimit);
        Assert.Equal(8000, loaded.Port);
    }

    [Fact]
    public void CentrifugoReferenceExampleLoadsWithWarningsForUnsupportedSections()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", """
            {
              "http_server": {"port": 8000, "internal_port": "9000"},
              "log": {"level": "info"},
              "client": {
                "allowed_origins": ["https://app.example.com"],
                "token": {"hmac_secret_key": "secret", "audience": "centrifugo"},
                "proxy": {"refresh": {"enabled": true, "endpoint": "http://backend/centrifugo/refresh"}}
              },
              "channel": {
                "without_namespace": {"allow_subscribe_for_client": true},
                "namespaces": [{"name": "chat", "presence": true, "history_size": 100, "history_ttl": "300s", "force_recovery": true}]
              },
              "http_api": {"key": "api-key"},
              "grpc_api": {"enabled": true, "key": "api-key"},
              "engine": {"type": "redis", "redis": {"address": ["redis://redis:6379"]}}
            }
            """);

        var loaded = Load.File(path);

        Assert.Equal("9000", loaded.Config.HttpServer.InternalPort);
        Assert.Equal("centrifugo", loaded.Config.Client.Token.Audience);
        Assert.True(Assert.Single(loaded.Node.Channels.Namespaces).Options.ForceRecovery);
        Assert.Equal(
            ["client.proxy"],
            loaded.Warnings.Select(w => w[..w.IndexOf(' ', StringComparison.Ordinal)]));
    }

    [Fact]
    public void NegativePingIntervalDisablesPingsWithoutValidationError()
    {
        using var dir = new TempDirectory();

        var loaded = Load.File(dir.Write("config.json", """{"client":{"ping_interval":"-1s","pong_timeout":"-1s"}}"""));

        Assert.Equal(TimeSpan.FromSeconds(-1), loaded.Node.Client.PingInterval);
    }

    [Fact]
    public void StringsAreAcceptedWhereGoWouldParseThem()
    {
        using var dir = new TempDirectory();

        var loaded = Load.File(dir.Write("config.json", """{"http_server":{"port":"0x2328"},"client":{"insecure":"T","allowed_origins":"*"}}"""));

        Assert.Equal(9000, loaded.Port);
        Assert.True(loaded.Node.Client.Insecure);
        Assert.Equal(["*"], loaded.Endpoints.AllowedOrigins);
    }

    [Fact]
    public void YamlNullAndEmptyYamlOrTomlFileMeanNotSet()
    {
        using var dir = new TempDirectory();

        Assert.Equal(8000, Load.File(dir.Write("empty.yaml", "")).Port);
        Assert.Equal(8000, Load.File(dir.Write("null.yaml", "http_server:\n  port:\n")).Port);
        Assert.Equal(8000, Load.File(dir.Write("empty.toml", "")).Port);
    }

    [Fact]
    public void QuotedYamlNumberStaysAString()
    {
        using var dir = new TempDirectory();

        var loaded = Load.File(dir.Write("config.yaml", "http_api:\n  key: '12345'\nnode:\n  name: 0x10\n"));

        Assert.Equal("12345", loaded.Endpoints.HttpApiKey);
        Assert.Equal("16", loaded.Node.Name);
    }

    [Fact]
    public void JsonCommentsAreSkipped()
    {
        using var dir = new TempDirectory();

        var loaded = Load.File(dir.Write("config.json", "{\n  // local port\n  \"http_server\": {\"port\": 8001}\n}"));

        Assert.Equal(8001, loaded.Port);
    }
}
