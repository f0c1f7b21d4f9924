using Gyre.Server.Configuration;

namespace Gyre.Server.Tests.Configuration;

public class EngineConfigTests
{
    [Fact]
    public void RedisEngineGivesBrokerAndPresenceOneSetOfRedisOptions()
    {
        using var dir = new TempDirectory();
        var loaded = Load.File(dir.Write("config.json", """
            {"engine":{"type":"redis","redis":{"address":["redis://10.0.0.1:6380/2","10.0.0.2:6379"],"prefix":"app","io_timeout":"2s","presence_ttl":"30s","presence_user_mapping":true}}}
            """));

        var engine = ConfigMapper.ToEngineSettings(loaded.Config);

        Assert.Same(engine.BrokerRedis, engine.PresenceRedis);
        Assert.Null(engine.BrokerNats);
        var redis = engine.BrokerRedis!;
        Assert.Equal(["redis://10.0.0.1:6380/2", "10.0.0.2:6379"], redis.Addresses);
        Assert.Equal("app", redis.Prefix);
        Assert.Equal(TimeSpan.FromSeconds(2), redis.IoTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), redis.PresenceTtl);
        Assert.True(redis.PresenceUserMapping);
        Assert.Equal("redis", engine.Description);
    }

    [Fact]
    public void BrokerAndPresenceManagerSectionsReplaceTheirHalfOfTheEngine()
    {
        using var dir = new TempDirectory();
        var loaded = Load.File(dir.Write("config.json", """
            {"broker":{"enabled":true,"type":"nats","nats":{"url":"nats://10.0.0.3:4222","prefix":"p","write_timeout":"3s"}},
             "presence_manager":{"enabled":true,"type":"redis","redis":{"address":"10.0.0.4:6379"}}}
            """));

        var engine = ConfigMapper.ToEngineSettings(loaded.Config);

        Assert.Null(engine.BrokerRedis);
        Assert.Equal("nats://10.0.0.3:4222", engine.BrokerNats!.Url);
        Assert.Equal("p", engine.BrokerNats.Prefix);
        Assert.Equal(TimeSpan.FromSeconds(3), engine.BrokerNats.WriteTimeout);
        Assert.Equal(["10.0.0.4:6379"], engine.PresenceRedis!.Addresses);
        Assert.Equal("nats broker + redis presence", engine.Description);
    }

    [Fact]
    public void DefaultsRunTheMemoryEngine()
    {
        var engine = ConfigMapper.ToEngineSettings(new GyreConfig());

        Assert.Equal(Hosting.EngineSettings.Memory, engine);
        Assert.Equal("memory", engine.Description);
    }

    [Fact]
    public void EngineTypeFromTheEnvironmentNamesTheVariableWhenWrong()
    {
        using var dir = new TempDirectory();
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(
            dir.Write("config.json", "{}"),
            new Dictionary<string, string?> { ["CENTRIFUGO_ENGINE_TYPE"] = "disk" },
            new Dictionary<string, string>()));

        Assert.Equal("engine.type", error.KeyPath);
        Assert.Contains("CENTRIFUGO_ENGINE_TYPE", error.Message, StringComparison.Ordinal);
    }
}
