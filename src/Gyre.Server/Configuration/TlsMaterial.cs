using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gyre.Server.Configuration;

/// <summary>
/// The certificates of one enabled <see cref="TlsConfig"/>, loaded once, and the two things made from them: server
/// options for Kestrel's listeners and client options for the Redis and NATS connections. Verification follows Go's
/// <c>crypto/tls</c> as Centrifugo uses it: TLS 1.2 or newer, a custom CA replaces the system store, and a server with
/// <c>client_ca_pem</c> requires and verifies a client certificate.
/// </summary>
public sealed class TlsMaterial
{
    /// <summary>TLS 1.2 and 1.3: Centrifugo's <c>MinVersion: tls.VersionTLS12</c>.</summary>
    private const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    private TlsMaterial(X509Certificate2? certificate, X509Certificate2Collection? serverCa, X509Certificate2Collection? clientCa, bool insecureSkipVerify, string serverName)
    {
        Certificate = certificate;
        ServerCa = serverCa;
        ClientCa = clientCa;
        InsecureSkipVerify = insecureSkipVerify;
        ServerName = serverName;
    }

    /// <summary><c>cert_pem</c> with the private key of <c>key_pem</c>; null when neither is set.</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary><c>server_ca_pem</c>: the roots a client trusts instead of the system store; null for the system store.</summary>
    public X509Certificate2Collection? ServerCa { get; }

    /// <summary><c>client_ca_pem</c>: the roots a server requires client certificates to chain to; null for no mutual TLS.</summary>
    public X509Certificate2Collection? ClientCa { get; }

    /// <summary><c>insecure_skip_verify</c>.</summary>
    public bool InsecureSkipVerify { get; }

    /// <summary><c>server_name</c>; empty for the host dialled.</summary>
    public string ServerName { get; }

    /// <summary>
    /// Loads the certificates of <paramref name="config"/> at <paramref name="keyPath"/>; null when TLS is not enabled.
    /// A PEM value that is none of raw PEM, base64 PEM or a readable PEM file, a certificate without its key (or the
    /// reverse) and a key that does not match its certificate fail with the offending key named.
    /// </summary>
    /// <param name="config">The TLS object.</param>
    /// <param name="keyPath">Where it sits, e.g. <c>http_server.tls</c>.</param>
    /// <param name="sourceOf">Describes where the value of a key path came from (config file, environment variable).</param>
    /// <param name="server">True for a listener, which cannot work without a certificate.</param>
    public static TlsMaterial? Load(TlsConfig config, string keyPath, Func<string, string> sourceOf, bool server)
    {
        if (!config.Enabled)
        {
            return null;
        }

        ConfigException Error(string key, string problem)
        {
            var path = ConfigTree.Join(keyPath, key);
            return ConfigException.ForKey(path, sourceOf(path), problem);
        }

        X509Certificate2? certificate = null;
        switch (config.CertPem.Length > 0, config.KeyPem.Length > 0)
        {
            case (true, true):
                var certPem = LoadPem(config.CertPem, "cert_pem", Error);
                var keyPem = LoadPem(config.KeyPem, "key_pem", Error);
                try
                {
                    certificate = X509Certificate2.CreateFromPem(certPem, keyPem);
                }
                catch (Exception e) when (e is CryptographicException or ArgumentException)
                {
                    throw Error("key_pem", $"cert_pem and key_pem do not make a certificate with its private key: {e.Message}");
                }

                break;
            case (true, false):
                throw Error("key_pem", "is required with cert_pem");
            case (false, true):
                throw Error("cert_pem", "is required with key_pem");
            case (false, false) when server:
                throw Error("cert_pem", "a server needs cert_pem and key_pem");
        }

        var serverCa = config.ServerCaPem.Length > 0 ? LoadCertificates(config.ServerCaPem, "server_ca_pem", Error) : null;
        var clientCa = config.ClientCaPem.Length > 0 ? LoadCertificates(config.ClientCaPem, "client_ca_pem", Error) : null;
        return new TlsMaterial(certificate, serverCa, clientCa, config.InsecureSkipVerify, config.ServerName);
    }

    /// <summary>
    /// Options for a listener: this certificate, and with <see cref="ClientCa"/> a required client certificate that
    /// must chain to it for client authentication. <paramref name="applicationProtocols"/> is the ALPN list.
    /// </summary>
    public SslServerAuthenticationOptions ServerOptions(List<SslApplicationProtocol> applicationProtocols) => new()
    {
        ServerCertificate = Certificate,
        EnabledSslProtocols = Protocols,
        ApplicationProtocols = applicationProtocols,
        ClientCertificateRequired = ClientCa is not null,
        RemoteCertificateValidationCallback = ClientCa is { } roots
            ? (_, certificate, chain, _) => ChainsTo(certificate, chain, roots, ClientAuth)
            : null,
    };

    /// <summary>
    /// Options for a client connection. <see cref="SslClientAuthenticationOptions.TargetHost"/> is <c>server_name</c>
    /// or null, which leaves the host dialled; the callbacks present <see cref="Certificate"/> and verify the server.
    /// </summary>
    public SslClientAuthenticationOptions ClientOptions() => new()
    {
        TargetHost = ServerName.Length > 0 ? ServerName : null,
        EnabledSslProtocols = Protocols,
        LocalCertificateSelectionCallback = Certificate is { } certificate ? (_, _, _, _, _) => certificate : null,
        RemoteCertificateValidationCallback = ValidateServerCertificate,
    };

    /// <summary>
    /// A client's check of the server: anything with <c>insecure_skip_verify</c>; otherwise the host name must match,
    /// and the chain must reach <see cref="ServerCa"/> when set, the system store when not.
    /// </summary>
    public bool ValidateServerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (InsecureSkipVerify)
        {
            return true;
        }

        if (ServerCa is null)
        {
            return errors == SslPolicyErrors.None;
        }

        return (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None
            && ChainsTo(certificate, chain, ServerCa, ServerAuth);
    }

    private static bool ChainsTo(X509Certificate? certificate, X509Chain? presented, X509Certificate2Collection roots, Oid usage)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);

        // Go's verifier checks no revocation either; a private CA rarely publishes a CRL.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(usage);
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    private static X509Certificate2Collection LoadCertificates(string value, string key, Func<string, string, ConfigException> error)
    {
        var pem = LoadPem(value, key, error);
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw error(key, $"invalid certificate: {e.Message}");
        }

        return certificates.Count > 0 ? certificates : throw error(key, "no certificate found in the PEM data");
    }

    /// <summary>Raw PEM, then base64-encoded PEM, then the path of a file holding PEM: Centrifugo's order.</summary>
    private static string LoadPem(string value, string key, Func<string, string, ConfigException> error)
    {
        if (IsPem(value))
        {
            return value;
        }

        if (TryDecodeBase64(value) is { } decoded && IsPem(decoded))
        {
            return decoded;
        }

        if (File.Exists(value))
        {
            string content;
            try
            {
                content = File.ReadAllText(value);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw error(key, $"cannot read file {GoStrconv.Quote(value)}: {e.Message}");
            }

            return IsPem(content) ? content : throw error(key, $"file {GoStrconv.Quote(value)} contains no PEM data");
        }

        throw error(key, "neither PEM, base64-encoded PEM nor the path of an existing file");
    }

    private static bool IsPem(string value) => PemEncoding.TryFind(value, out _);

    private static string? TryDecodeBase64(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out var written) ? System.Text.Encoding.UTF8.GetString(buffer, 0, written) : null;
    }
}
