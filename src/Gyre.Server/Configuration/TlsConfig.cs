namespace Gyre.Server.Configuration;

/// <summary>
/// Centrifugo's TLS object, shared by <c>http_server.tls</c>, <c>grpc_api.tls</c>, <c>uni_grpc.tls</c>,
/// <c>grpc_client.tls</c>, the Redis sections' <c>tls</c> and <c>sentinel_tls</c>, and <c>broker.nats.tls</c>.
/// Every <c>*_pem</c> value is raw PEM, base64-encoded PEM or a file path, tried in that order (see <see cref="TlsMaterial"/>).
/// </summary>
public sealed class TlsConfig
{
    /// <summary><c>enabled</c>: nothing else is read while false. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary><c>cert_pem</c>: the certificate a server presents, or a client presents for mutual TLS.</summary>
    public string CertPem { get; set; } = "";

    /// <summary><c>key_pem</c>: the private key of <see cref="CertPem"/>.</summary>
    public string KeyPem { get; set; } = "";

    /// <summary><c>server_ca_pem</c>: roots a client trusts for the server's certificate instead of the system store.</summary>
    public string ServerCaPem { get; set; } = "";

    /// <summary><c>client_ca_pem</c>: on a server, requires every client to present a certificate issued by these roots (mutual TLS).</summary>
    public string ClientCaPem { get; set; } = "";

    /// <summary><c>insecure_skip_verify</c>: a client accepts any server certificate. For tests only.</summary>
    public bool InsecureSkipVerify { get; set; }

    /// <summary><c>server_name</c>: the name a client sends (SNI) and expects in the server's certificate; empty means the host it dials.</summary>
    public string ServerName { get; set; } = "";
}
