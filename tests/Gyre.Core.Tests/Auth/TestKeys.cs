using System.Security.Cryptography;

namespace Gyre.Core.Tests.Auth;

/// <summary>
/// Keys shared by the auth tests: generating a 2048-bit RSA key takes up to a second on a 2-core machine, so each is
/// made once per test run. Signing with one key object from parallel tests is safe (only importing keys is not).
/// </summary>
internal static class TestKeys
{
    private static readonly Lazy<RSA> LazyRsa = new(() => RSA.Create(2048));
    private static readonly Lazy<RSA> LazyOtherRsa = new(() => RSA.Create(2048));

    public static RSA Rsa => LazyRsa.Value;

    public static RSA OtherRsa => LazyOtherRsa.Value;

    public static ECDsa P256 { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);
}
