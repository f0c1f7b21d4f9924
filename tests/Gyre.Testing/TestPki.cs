using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gyre.Testing;

/// <summary>
/// A private certificate authority made for one test class: a CA, a server certificate for <c>localhost</c> and
/// <c>127.0.0.1</c> and a client certificate, all ECDSA P-256 and valid for a day, written as PEM files to a temporary
/// directory that is deleted on dispose. A second, unrelated CA stands for "some other authority".
/// </summary>
public sealed class TestPki : IDisposable
{
    private TestPki(string directory)
    {
        Directory = directory;
        var now = DateTimeOffset.UtcNow;
        Ca = CreateCa("Gyre Test CA", now);
        OtherCa = CreateCa("Unrelated Test CA", now);
        Server = Issue(Ca, "localhost", now, serverAuth: true);
        Client = Issue(Ca, "gyre-test-client", now, serverAuth: false);
        CaPath = Write("ca.pem", Ca.ExportCertificatePem());
        OtherCaPath = Write("other-ca.pem", OtherCa.ExportCertificatePem());
        ServerCertPath = Write("server.pem", Server.ExportCertificatePem());
        ServerKeyPath = Write("server-key.pem", KeyPem(Server));
        ClientCertPath = Write("client.pem", Client.ExportCertificatePem());
        ClientKeyPath = Write("client-key.pem", KeyPem(Client));
    }

    public string Directory { get; }

    public X509Certificate2 Ca { get; }

    public X509Certificate2 OtherCa { get; }

    /// <summary>Issued by <see cref="Ca"/> for <c>localhost</c> and <c>127.0.0.1</c>, server authentication.</summary>
    public X509Certificate2 Server { get; }

    /// <summary>Issued by <see cref="Ca"/>, client authentication.</summary>
    public X509Certificate2 Client { get; }

    public string CaPath { get; }

    public string OtherCaPath { get; }

    public string ServerCertPath { get; }

    public string ServerKeyPath { get; }

    public string ClientCertPath { get; }

    public string ClientKeyPath { get; }

    public static TestPki Create() => new(System.IO.Directory.CreateTempSubdirectory("gyre-pki-").FullName);

    /// <summary>A server-certificate check that trusts <see cref="Ca"/> only, as a client configured with it would.</summary>
    public bool TrustsServer(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None || certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    /// <summary>An HTTP handler that trusts <see cref="Ca"/> and, when asked, presents <see cref="Client"/>.</summary>
    public SocketsHttpHandler Handler(bool presentClientCertificate = false)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => TrustsServer(certificate, errors);
        if (presentClientCertificate)
        {
            handler.SslOptions.ClientCertificates = [Client];
        }

        return handler;
    }

    public void Dispose()
    {
        Ca.Dispose();
        OtherCa.Dispose();
        Server.Dispose();
        Client.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private static X509Certificate2 CreateCa(string name, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddHours(-1), now.AddDays(1));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string name, DateTimeOffset now, bool serverAuth)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (serverAuth)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(ca, now.AddHours(-1), now.AddDays(1), serial);
        return issued.CopyWithPrivateKey(key);
    }

    private static string KeyPem(X509Certificate2 certificate)
    {
        using var key = certificate.GetECDsaPrivateKey()!;
        return key.ExportPkcs8PrivateKeyPem();
    }

    private string Write(string name, string pem)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, pem);
        return path;
    }
}
