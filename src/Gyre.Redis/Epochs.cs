namespace Gyre.Redis;

/// <summary>Stream epochs: eight ASCII letters like Centrifugo's, so 52⁸ ≈ 5·10¹³ values make a repeat after a stream is recreated negligible.</summary>
internal static class Epochs
{
    private const string Letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    /// <summary>A fresh epoch; the scripts use it only when the stream has none yet.</summary>
    public static string New() => string.Create(8, 0, static (span, _) =>
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = Letters[Random.Shared.Next(Letters.Length)];
        }
    });
}
