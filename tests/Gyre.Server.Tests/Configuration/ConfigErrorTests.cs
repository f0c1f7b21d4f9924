using Gyre.Server.Configuration;

namespace Gyre.Server.Tests.Configuration;

public class ConfigErrorTests
{
    [Theory]
    [InlineData("config.json", """{"client":{"ping_interval":"25"}}""")]
    [InlineData("config.yaml", "client:\n  ping_interval: 25x\n")]
    [InlineData("config.toml", "[client]\nping_interval = \"soon\"\n")]
    public void BadDurationNamesKeyAndFile(string name, string content)
    {
        using var dir = new TempDirectory();
        var path = dir.Write(name, content);

        var error = Load.Error(path);

        Assert.Equal("client.ping_interval", error.KeyPath);
        Assert.Equal($"config file {path}", error.ValueSource);
        Assert.StartsWith("client.ping_interval: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("duration", error.Message, StringComparison.Ordinal);
        Assert.EndsWith($"(from config file {path})", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"http_server":{"port":"eighty"}}""", "http_server.port", "invalid integer \"eighty\"")]
    [InlineData("""{"http_server":{"port":80.5}}""", "http_server.port", "expected an integer, got the number 80.5")]
    [InlineData("""{"http_server":{"port":99999999999}}""", "http_server.port", "out of range")]
    [InlineData("""{"client":{"insecure":"yes"}}""", "client.insecure", "invalid boolean \"yes\"")]
    [InlineData("""{"client":{"insecure":1}}""", "client.insecure", "expected a boolean, got the number 1")]
    [InlineData("""{"client":{"token":"secret"}}""", "client.token", "expected an object, got the string \"secret\"")]
    [InlineData("""{"client":{"allowed_origins":[{"a":1}]}}""", "client.allowed_origins[0]", "expected a string, got an object")]
    [InlineData("""{"client":{"ping_interval":true}}""", "client.ping_interval", "expected a duration")]
    [InlineData("""{"channel":{"namespaces":{"name":"chat"}}}""", "channel.namespaces", "expected an array of objects, got an object")]
    [InlineData("""{"log":{"level":"verbose"}}""", "log.level", "unknown log level \"verbose\"")]
    [InlineData("""{"http_api":{"error_mode":"status"}}""", "http_api.error_mode", "unknown error mode \"status\"")]
    [InlineData("""{"client":{"token":{"user_id_claim":"user-id"}}}""", "client.token.user_id_claim", "invalid custom user ID claim")]
    [InlineData("""{"engine":{"type":"tarantool"}}""", "engine.type", "unknown engine type \"tarantool\"")]
    [InlineData("""{"engine":{"type":"redis","redis":{"address":["127.0.0.1:6379","ftp://h"]}}}""", "engine.redis.address[1]", "Unsupported Redis address scheme")]
    [InlineData("""{"engine":{"type":"redis","redis":{"db":-1}}}""", "engine.redis.db", "database number -1 is negative")]
    [InlineData("""{"broker":{"enabled":true,"type":"postgres"}}""", "broker.type", "unknown broker type \"postgres\"")]
    [InlineData("""{"broker":{"enabled":true,"type":"redis","redis":{"io_timeout":"-1s"}}}""", "broker.redis.io_timeout", "must be positive")]
    [InlineData("""{"presence_manager":{"enabled":true,"type":"nats"}}""", "presence_manager.type", "unknown presence manager type")]
    [InlineData("""{"sse":{"max_request_body_size":-1}}""", "sse.max_request_body_size", "must be a positive number of bytes")]
    [InlineData("""{"emulation":{"max_request_body_size":-5}}""", "emulation.max_request_body_size", "must be a positive number of bytes")]
    [InlineData("""{"http_stream":{"enabled":"maybe"}}""", "http_stream.enabled", "invalid boolean \"maybe\"")]
    [InlineData("""{"uni_grpc":{"port":70000}}""", "uni_grpc.port", "out of range")]
    [InlineData("""{"swagger":{"enabled":true,"handler_prefix":"docs"}}""", "swagger.handler_prefix", "\"docs\" must start with /")]
    [InlineData("""{"swagger":{"enabled":"on"}}""", "swagger.enabled", "invalid boolean \"on\"")]
    public void WrongTypeOrValueNamesKeyAndFile(string content, string keyPath, string problem)
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", content);

        var error = Load.Error(path);

        Assert.Equal(keyPath, error.KeyPath);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"channel":{"namespaces":[{"name":"chat","presense":true}]}}""", "channel.namespaces[0].presense")]
    [InlineData("""{"channel":{"without_namespace":{"allow_subscribe":true}}}""", "channel.without_namespace.allow_subscribe")]
    [InlineData("""{"channel":{"namespaces":[{"name":"m","map":{"mood":"x"}}]}}""", "channel.namespaces[0].map.mood")]
    public void UnknownChannelOptionIsAnErrorNamingKeyAndFile(string content, string keyPath)
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", content);

        var error = Load.Error(path);

        Assert.Equal(keyPath, error.KeyPath);
        Assert.Equal($"{keyPath}: unknown channel option (from config file {path})", error.Message);
    }

    [Theory]
    [InlineData("c")]
    [InlineData("chat:room")]
    [InlineData("chat room")]
    [InlineData("")]
    public void BadNamespaceNameIsAnErrorNamingKeyAndFile(string name)
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.yaml", $"channel:\n  namespaces:\n    - name: ok\n    - name: \"{name}\"\n");

        var error = Load.Error(path);

        Assert.Equal("channel.namespaces[1].name", error.KeyPath);
        Assert.Contains($"invalid namespace name \"{name}\"", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingNamespaceNameIsBlamedOnTheFileThatDefinesTheNamespace()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", """{"channel":{"namespaces":[{"presence":true}]}}""");

        var error = Load.Error(path);

        Assert.Equal($"channel.namespaces[0].name: invalid namespace name \"\" (must match ^[-a-zA-Z0-9_.]{{2,}}$) (from config file {path})", error.Message);
    }

    [Fact]
    public void RpcNamespacesAreValidatedLikeChannelNamespaces()
    {
        using var dir = new TempDirectory();
        var bad = dir.Write("bad.json", """{"rpc":{"namespaces":[{"name":"x"}]}}""");
        var duplicate = dir.Write("dup.json", """{"rpc":{"namespaces":[{"name":"users"},{"name":"users"}]}}""");
        var unknownKey = dir.Write("key.json", """{"rpc":{"namespaces":[{"name":"users","proxy_enable":true}]}}""");

        Assert.Equal("rpc.namespaces[0].name", Load.Error(bad).KeyPath);
        Assert.Contains("rpc namespace name must be unique: users", Load.Error(duplicate).Message, StringComparison.Ordinal);
        Assert.Contains("proxy_enable", Load.Error(unknownKey).Message, StringComparison.Ordinal);
        Assert.Equal("users", Load.File(dir.Write("ok.json", """{"rpc":{"namespaces":[{"name":"users","proxy_enabled":false}]}}""")).Config.Rpc.Namespaces[0].Name);
    }

    [Fact]
    public void RpcProxyWithoutProxySupportNamesTheKey()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", """{"rpc":{"namespaces":[{"name":"users","proxy_enabled":true}]}}""");

        var error = Load.Error(path);

        Assert.Equal("rpc.namespaces[0].proxy_enabled", error.KeyPath);
        Assert.Contains("not found", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateNamespaceNameIsAnError()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", """{"channel":{"namespaces":[{"name":"chat"},{"name":"chat"}]}}""");

        var error = Load.Error(path);

        Assert.Equal("channel.namespaces[1].name", error.KeyPath);
        Assert.Contains("namespace name must be unique: chat", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"history_size":10}""", "history_size", "both history_size and history_ttl are required for history")]
    [InlineData("""{"history_ttl":"60s"}""", "history_ttl", "both history_size and history_ttl are required for history")]
    [InlineData("""{"history_size":10,"history_ttl":"1500ms"}""", "history_ttl", "sub-second precision")]
    [InlineData("""{"history_size":10,"history_ttl":"2h","history_meta_ttl":"1h"}""", "history_ttl", "can not be greater than history meta ttl (1h0m0s)")]
    [InlineData("""{"force_recovery":true}""", "force_recovery", "required for recovery")]
    [InlineData("""{"allowed_delta_types":["xdelta"]}""", "allowed_delta_types", "unknown allowed delta type \"xdelta\"")]
    [InlineData("""{"force_recovery_mode":"fast"}""", "force_recovery_mode", "unknown recovery mode \"fast\"")]
    [InlineData("""{"channel_regex":"(unclosed"}""", "channel_regex", "invalid channel regex")]
    public void InvalidNamespaceOptionsNameTheKey(string options, string key, string problem)
    {
        using var dir = new TempDirectory();
        var news = "{\"name\":\"news\"," + options[1..];
        var path = dir.Write("config.json", "{\"channel\":{\"namespaces\":[{\"name\":\"chat\"}," + news + "]}}");

        var error = Load.Error(path);

        Assert.Equal($"channel.namespaces[1].{key}", error.KeyPath);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PingIntervalNotAbovePongTimeoutIsAnErrorNamingBothSources()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", """{"client":{"ping_interval":"10s"}}""");

        var error = Load.Error(path, new() { ["CENTRIFUGO_CLIENT_PONG_TIMEOUT"] = "10s" });

        Assert.Equal(
            $"client.ping_interval (10s, from config file {path}) must be greater than client.pong_timeout (10s, from environment variable CENTRIFUGO_CLIENT_PONG_TIMEOUT)",
            error.Message);
        Assert.Equal("client.ping_interval", error.KeyPath);
        Assert.Equal($"config file {path}", error.ValueSource);
    }

    [Fact]
    public void BadEnvironmentValueNamesTheVariable()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", "{}");

        var error = Load.Error(path, new() { ["GYRE_CLIENT_PING_INTERVAL"] = "often" });

        Assert.Equal("client.ping_interval", error.KeyPath);
        Assert.Equal("client.ping_interval: invalid duration \"often\" (from environment variable GYRE_CLIENT_PING_INTERVAL)", error.Message);
    }

    [Fact]
    public void BadNamespacesJsonInEnvironmentNamesTheVariable()
    {
        var error = Assert.Throws<ConfigException>(() => Load.WithoutFile(new() { ["CENTRIFUGO_CHANNEL_NAMESPACES"] = "[{\"name\":" }));

        Assert.Equal("channel.namespaces", error.KeyPath);
        Assert.Contains("environment variable CENTRIFUGO_CHANNEL_NAMESPACES", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownOptionInNamespacesFromEnvironmentNamesTheVariable()
    {
        var error = Assert.Throws<ConfigException>(() => Load.WithoutFile(new() { ["CENTRIFUGO_CHANNEL_NAMESPACES"] = """[{"name":"chat","presense":true}]""" }));

        Assert.Equal("channel.namespaces[0].presense: unknown channel option (from environment variable CENTRIFUGO_CHANNEL_NAMESPACES)", error.Message);
    }

    [Fact]
    public void BadFlagValueNamesTheFlag()
    {
        var error = Assert.Throws<ConfigException>(() => Load.WithoutFile(flags: new() { ["http_server.port"] = "http" }));

        Assert.Equal("http_server.port: invalid integer \"http\" (from flag --http_server.port)", error.Message);
    }

    [Fact]
    public void FlagIntoANonObjectIsAnErrorNamingTheFileKey()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("config.json", """{"http_server":"localhost"}""");

        var error = Load.Error(path, flags: new() { ["http_server.port"] = "9000" });

        Assert.Equal("http_server", error.KeyPath);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("config.json", "{\"client\": {\"ping_interval\": }", "invalid JSON at line 1")]
    [InlineData("config.json", "{\"a\": 1, \"a\": 2}", "invalid JSON")]
    [InlineData("config.json", "[]", "top level must be a mapping")]
    [InlineData("config.json", "", "invalid JSON")]
    [InlineData("config.yaml", "client:\n  allowed_origins: [a, b\n", "invalid YAML at line")]
    [InlineData("config.yaml", "a: 1\na: 2\n", "invalid YAML")]
    [InlineData("config.yaml", "- a\n- b\n", "top level must be a mapping")]
    [InlineData("config.toml", "[client\nping_interval = 1", "invalid TOML (1,")]
    public void UnparseableFileIsAnErrorNamingTheFile(string name, string content, string problem)
    {
        using var dir = new TempDirectory();
        var path = dir.Write(name, content);

        var error = Load.Error(path);

        Assert.StartsWith($"error reading config file {path}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Null(error.KeyPath);
    }

    [Fact]
    public void ExplicitConfigFileThatDoesNotExistIsAnError()
    {
        using var dir = new TempDirectory();

        var error = Load.Error(dir.File("missing.json"));

        Assert.Equal($"config file not found: {dir.File("missing.json")}", error.Message);
    }

    [Fact]
    public void UnsupportedExtensionIsAnError()
    {
        using var dir = new TempDirectory();

        var error = Load.Error(dir.Write("config.ini", "port=1"));

        Assert.Contains("json, toml, yaml, yml", error.Message, StringComparison.Ordinal);
        Assert.Contains(dir.File("config.ini"), error.Message, StringComparison.Ordinal);
    }
}
