using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gyre.Core.Auth;

/// <summary>
/// Public keys from PEM text and the signature checks of the JWS algorithms Centrifugo accepts. RSA and ECDSA use
/// System.Security.Cryptography directly: the built-in implementations are safe for concurrent verification with one
/// key object as long as nobody changes the key, so one instance serves every connection.
/// </summary>
public static class TokenKeys
{
    /// <summary>
    /// Reads the first PEM block of <paramref name="pem"/> as a <c>PUBLIC KEY</c> (PKIX) or a certificate and returns
    /// its RSA key, as Centrifugo's <c>ParseRSAPublicKeyFromPEM</c> does (plus PKCS#1 <c>RSA PUBLIC KEY</c>).
    /// </summary>
    /// <exception cref="FormatException">The text holds no PEM block or no RSA public key.</exception>
    public static RSA ParseRsaPublicKey(string pem)
    {
        var (label, der) = FirstPemBlock(pem);
        var rsa = RSA.Create();
        try
        {
            if (label == "RSA PUBLIC KEY")
            {
                rsa.ImportRSAPublicKey(der, out _);
                return rsa;
            }

            if (TryImport(() => rsa.ImportSubjectPublicKeyInfo(der, out _)))
            {
                return rsa;
            }

            rsa.Dispose();
            return CertificateKey(der, c => c.GetRSAPublicKey()) ?? throw new FormatException("key is not a valid RSA public key");
        }
        catch (CryptographicException e)
        {
            rsa.Dispose();
            throw new FormatException("key is not a valid RSA public key: " + e.Message, e);
        }
    }

    /// <summary>Reads the first PEM block of <paramref name="pem"/> as a <c>PUBLIC KEY</c> or certificate on P-256, P-384 or P-521.</summary>
    /// <exception cref="FormatException">The text holds no PEM block, no ECDSA public key, or one on another curve.</exception>
    public static ECDsa ParseEcdsaPublicKey(string pem)
    {
        var (_, der) = FirstPemBlock(pem);
        var ecdsa = ECDsa.Create();
        try
        {
            if (!TryImport(() => ecdsa.ImportSubjectPublicKeyInfo(der, out _)))
            {
                ecdsa.Dispose();
                ecdsa = CertificateKey(der, c => c.GetECDsaPublicKey()) ?? throw new FormatException("key is not a valid ECDSA public key");
            }

            if (EcdsaAlgorithm(ecdsa) is null)
            {
                throw new FormatException($"ECDSA key on an unsupported curve ({ecdsa.KeySize} bits; use P-256, P-384 or P-521)");
            }

            return ecdsa;
        }
        catch (CryptographicException e)
        {
            ecdsa.Dispose();
            throw new FormatException("key is not a valid ECDSA public key: " + e.Message, e);
        }
    }

    /// <summary>The one ES algorithm a key can verify: ES256 for P-256, ES384 for P-384, ES512 for P-521.</summary>
    internal static string? EcdsaAlgorithm(ECDsa key) => key.KeySize switch
    {
        256 => "ES256",
        384 => "ES384",
        521 => "ES512",
        _ => null,
    };

    /// <summary>The hash of an RS/ES algorithm; null for anything else.</summary>
    internal static HashAlgorithmName? Hash(string algorithm) => algorithm switch
    {
        "RS256" or "ES256" => HashAlgorithmName.SHA256,
        "RS384" or "ES384" => HashAlgorithmName.SHA384,
        "RS512" or "ES512" => HashAlgorithmName.SHA512,
        _ => null,
    };

    /// <summary>HS256/384/512 over the signing input, compared in constant time. False for any other algorithm.</summary>
    internal static bool VerifyHmac(string algorithm, byte[] key, ReadOnlySpan<byte> signed, ReadOnlySpan<byte> signature)
    {
        Span<byte> mac = stackalloc byte[64];
        int written;
        switch (algorithm)
        {
            case "HS256":
                written = HMACSHA256.HashData(key, signed, mac);
                break;
            case "HS384":
                written = HMACSHA384.HashData(key, signed, mac);
                break;
            case "HS512":
                written = HMACSHA512.HashData(key, signed, mac);
                break;
            default:
                return false;
        }

        return CryptographicOperations.FixedTimeEquals(mac[..written], signature);
    }

    /// <summary>RS256/384/512 (PKCS#1 v1.5). False for any other algorithm.</summary>
    internal static bool VerifyRsa(string algorithm, RSA key, ReadOnlySpan<byte> signed, ReadOnlySpan<byte> signature) =>
        algorithm.StartsWith("RS", StringComparison.Ordinal) && Hash(algorithm) is { } hash
        && key.VerifyData(signed, signature, hash, RSASignaturePadding.Pkcs1);

    /// <summary>
    /// ES256/384/512 with the raw <c>r‖s</c> signature JWS uses. The algorithm must be the key's curve's one: a P-256
    /// key never verifies ES384, as in Centrifugo, where the signature length check rules it out.
    /// </summary>
    internal static bool VerifyEcdsa(string algorithm, ECDsa key, ReadOnlySpan<byte> signed, ReadOnlySpan<byte> signature) =>
        algorithm == EcdsaAlgorithm(key) && Hash(algorithm) is { } hash
        && key.VerifyData(signed, signature, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    private static (string Label, byte[] Der) FirstPemBlock(string pem)
    {
        if (!PemEncoding.TryFind(pem, out var fields))
        {
            throw new FormatException("key must be PEM encoded");
        }

        return (pem[fields.Label].ToString(), Convert.FromBase64String(pem[fields.Base64Data].ToString()));
    }

    private static bool TryImport(Action import)
    {
        try
        {
            import();
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static T? CertificateKey<T>(byte[] der, Func<X509Certificate2, T?> key)
        where T : AsymmetricAlgorithm
    {
        try
        {
            using var certificate = X509CertificateLoader.LoadCertificate(der);
            return key(certificate);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
