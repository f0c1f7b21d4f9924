using System.Net.Security;

namespace Gyre.Nats;

/// <summary>The <c>broker.nats</c> section of Centrifugo v6's configuration, already validated.</summary>
public sealed record NatsBrokerOptions
{
    /// <summary>Centrifugo's defaults: <c>nats://localhost:4222</c>, prefix <c>centrifugo</c>, 1 s timeouts.</summary>
    public static NatsBrokerOptions Default { get; } = new();

    /// <summary>Server URL; several may be comma-separated. <c>tls://</c> connects over TLS. Default <c>nats://localhost:4222</c>.</summary>
    public string Url { get; init; } = "nats://localhost:4222";

    /// <summary>Prefix of every subject, so several applications can share one NATS. Default <c>centrifugo</c>.</summary>
    public string Prefix { get; init; } = "centrifugo";

    /// <summary>How long to wait for a connection (Centrifugo's <c>dial_timeout</c>, 1 s). Must be positive.</summary>
    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a publish may wait to be written (Centrifugo's <c>write_timeout</c>, 1 s). Must be positive.</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// TLS to the server, required once set: <c>TargetHost</c> (null for the host dialled),
    /// <c>LocalCertificateSelectionCallback</c> and <c>RemoteCertificateValidationCallback</c> are read. Null leaves
    /// TLS to the URL scheme and the server's demand, verified against the system store.
    /// </summary>
    public SslClientAuthenticationOptions? Tls { get; init; }

    /// <summary>Connection name shown by the NATS server's monitoring; null for the client library's default.</summary>
    public string? ClientName { get; init; }
}
