using Gyre.Server.Configuration;

namespace Gyre.Server.Tests.Configuration;

/// <summary>Short calls into <see cref="ConfigLoader"/> with an explicit environment and flags.</summary>
internal static class Load
{
    public static LoadedConfig File(string path, Dictionary<string, string?>? environment = null, Dictionary<string, string>? flags = null) =>
        ConfigLoader.Load(path, environment ?? [], flags ?? []);

    /// <summary>No file at all: defaults, environment and flags only.</summary>
    public static LoadedConfig WithoutFile(Dictionary<string, string?>? environment = null, Dictionary<string, string>? flags = null) =>
        ConfigLoader.Load(new ConfigSources { DefaultPath = null, Environment = environment ?? [], Flags = flags ?? [] });

    /// <summary>The <see cref="ConfigException"/> loading <paramref name="path"/> throws.</summary>
    public static ConfigException Error(string path, Dictionary<string, string?>? environment = null, Dictionary<string, string>? flags = null) =>
        Assert.Throws<ConfigException>(() => File(path, environment, flags));
}
