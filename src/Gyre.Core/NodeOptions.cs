using Gyre.Core.Auth;
using Gyre.Core.Channels;

namespace Gyre.Core;

/// <summary>
/// Immutable engine options. The server binds operator configuration (Centrifugo v6 layout), validates it
/// and maps it onto this record; Core never reads files or environment itself.
/// </summary>
public sealed record NodeOptions
{
    /// <summary>Defaults identical to Centrifugo v6.</summary>
    public static NodeOptions Default { get; } = new();

    /// <summary>Human-readable node name shown by the <c>info</c> API. Default: the host name.</summary>
    public string Name { get; init; } = Environment.MachineName;

    /// <summary>Version string sent in the connect result and the <c>info</c> API.</summary>
    public string Version { get; init; } = GyreVersion.Current;

    /// <summary>Client connection behaviour (pings, queues, limits).</summary>
    public ClientOptions Client { get; init; } = ClientOptions.Default;

    /// <summary>Channel namespaces and their permissions.</summary>
    public ChannelsOptions Channels { get; init; } = ChannelsOptions.Default;

    /// <summary>Connection token verification (and subscription tokens, unless <see cref="SubscriptionToken"/> is set).</summary>
    public TokenOptions Token { get; init; } = TokenOptions.Default;

    /// <summary>
    /// <c>client.subscription_token</c> when <c>enabled</c>: a separate verifier for subscription tokens. Null (the
    /// default) verifies them with <see cref="Token"/>.
    /// </summary>
    public TokenOptions? SubscriptionToken { get; init; }

    /// <summary>Client RPC behaviour.</summary>
    public RpcOptions Rpc { get; init; } = RpcOptions.Default;
}

/// <summary>Client RPC options (Centrifugo <c>rpc.*</c>).</summary>
public sealed record RpcOptions
{
    /// <summary>Defaults: no built-in ping method.</summary>
    public static RpcOptions Default { get; } = new();

    /// <summary><c>rpc.ping.enabled</c>: answer <see cref="PingMethod"/> with an empty result. Default false.</summary>
    public bool PingEnabled { get; init; }

    /// <summary><c>rpc.ping.method</c>. Default <c>ping</c>.</summary>
    public string PingMethod { get; init; } = "ping";
}

/// <summary>The Gyre version string.</summary>
public static class GyreVersion
{
    /// <summary>Informational version of the Gyre.Core assembly.</summary>
    public static string Current { get; } =
        typeof(GyreVersion).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            is [System.Reflection.AssemblyInformationalVersionAttribute a, ..]
            ? a.InformationalVersion.Split('+')[0]
            : "0.0.0";
}
