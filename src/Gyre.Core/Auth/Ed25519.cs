using System.Numerics;
using System.Security.Cryptography;

namespace Gyre.Core.Auth;

/// <summary>
/// Ed25519 signature verification (RFC 8032 §5.1.7, cofactorless like Go's <c>crypto/ed25519</c>), for EdDSA tokens
/// verified with OKP keys from a JWKS. .NET 10 has no Ed25519 and Gyre.Core takes no crypto dependency, so this is
/// the textbook algorithm on <see cref="BigInteger"/>: about a millisecond per verification, fine for the rare
/// deployments that sign with EdDSA, and nothing here handles secrets (verification only, so timing does not matter).
/// </summary>
internal static class Ed25519
{
    private static readonly BigInteger P = BigInteger.Pow(2, 255) - 19;
    private static readonly BigInteger L = BigInteger.Pow(2, 252) + BigInteger.Parse("27742317777372353535851937790883648493", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly BigInteger D = Mod(-121665 * Inverse(121666));
    private static readonly BigInteger SqrtMinusOne = BigInteger.ModPow(2, (P - 1) / 4, P);
    private static readonly Point BasePoint = BasePointFromY();

    /// <summary>Whether <paramref name="signature"/> is a valid Ed25519 signature of <paramref name="message"/> by <paramref name="publicKey"/>.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != 32 || signature.Length != 64 || (signature[63] & 0xE0) != 0)
        {
            return false;
        }

        if (Decode(publicKey) is not { } a)
        {
            return false;
        }

        var s = new BigInteger(signature[32..], isUnsigned: true, isBigEndian: false);
        if (s >= L)
        {
            return false;
        }

        Span<byte> hashInput = new byte[64 + message.Length];
        signature[..32].CopyTo(hashInput);
        publicKey.CopyTo(hashInput[32..]);
        message.CopyTo(hashInput[64..]);
        var k = new BigInteger(SHA512.HashData(hashInput), isUnsigned: true, isBigEndian: false) % L;

        // R' = [S]B - [k]A must encode to the R half of the signature.
        var negativeA = new Point(Mod(-a.X), a.Y, a.Z, Mod(-a.T));
        var r = Add(Multiply(BasePoint, s), Multiply(negativeA, k));
        Span<byte> encoded = stackalloc byte[32];
        Encode(r, encoded);
        return encoded.SequenceEqual(signature[..32]);
    }

    private static BigInteger Mod(BigInteger value)
    {
        var r = value % P;
        return r.Sign < 0 ? r + P : r;
    }

    private static BigInteger Inverse(BigInteger value) => BigInteger.ModPow(value, P - 2, P);

    private static Point Add(Point p, Point q)
    {
        var a = Mod((p.Y - p.X) * (q.Y - q.X));
        var b = Mod((p.Y + p.X) * (q.Y + q.X));
        var c = Mod(p.T * 2 * D * q.T);
        var d = Mod(p.Z * 2 * q.Z);
        var e = b - a;
        var f = d - c;
        var g = d + c;
        var h = b + a;
        return new Point(Mod(e * f), Mod(g * h), Mod(f * g), Mod(e * h));
    }

    private static Point Multiply(Point point, BigInteger scalar)
    {
        var result = new Point(0, 1, 1, 0);
        var addend = point;
        while (scalar > 0)
        {
            if (!scalar.IsEven)
            {
                result = Add(result, addend);
            }

            addend = Add(addend, addend);
            scalar >>= 1;
        }

        return result;
    }

    private static void Encode(Point point, Span<byte> destination)
    {
        var zInverse = Inverse(point.Z);
        var x = Mod(point.X * zInverse);
        var y = Mod(point.Y * zInverse);
        destination.Clear();
        y.TryWriteBytes(destination, out _, isUnsigned: true, isBigEndian: false);
        if (!x.IsEven)
        {
            destination[31] |= 0x80;
        }
    }

    /// <summary>RFC 8032 §5.1.3: the point whose encoding is <paramref name="encoded"/>, or null when there is none.</summary>
    private static Point? Decode(ReadOnlySpan<byte> encoded)
    {
        Span<byte> bytes = stackalloc byte[32];
        encoded.CopyTo(bytes);
        var sign = bytes[31] >> 7;
        bytes[31] &= 0x7F;
        var y = new BigInteger(bytes, isUnsigned: true, isBigEndian: false);
        if (y >= P)
        {
            return null;
        }

        var x = RecoverX(y, sign);
        return x is { } value ? new Point(value, y, 1, Mod(value * y)) : null;
    }

    private static BigInteger? RecoverX(BigInteger y, int sign)
    {
        var y2 = y * y;
        var u = Mod(y2 - 1);
        var v = Mod((D * y2) + 1);
        var x = Mod(u * BigInteger.ModPow(v, 3, P) * BigInteger.ModPow(Mod(u * BigInteger.ModPow(v, 7, P)), (P - 5) / 8, P));
        var vx2 = Mod(v * x * x);
        if (vx2 != u)
        {
            if (vx2 != Mod(-u))
            {
                return null;
            }

            x = Mod(x * SqrtMinusOne);
        }

        if (x.IsZero && sign == 1)
        {
            return null;
        }

        return (int)(x % 2) != sign ? P - x : x;
    }

    private static Point BasePointFromY()
    {
        var y = Mod(4 * Inverse(5));
        var x = RecoverX(y, 0)!.Value;
        return new Point(x, y, 1, Mod(x * y));
    }

    /// <summary>A point in extended coordinates: x = X/Z, y = Y/Z, x·y = T/Z.</summary>
    private readonly record struct Point(BigInteger X, BigInteger Y, BigInteger Z, BigInteger T);
}
