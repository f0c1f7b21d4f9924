using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;

namespace Gyre.Core.Auth;

/// <summary>One signing key of a JSON Web Key Set.</summary>
internal sealed class JsonWebKey
{
    public required string KeyType { get; init; }

    public required string KeyId { get; init; }

    /// <summary>The key's <c>alg</c>; empty when the set does not say (then the token's algorithm decides, within the key's family).</summary>
    public string Algorithm { get; init; } = "";

    public RSA? Rsa { get; init; }

    public ECDsa? Ecdsa { get; init; }

    /// <summary>The 32-byte Ed25519 public key of an OKP key.</summary>
    public byte[]? Ed25519 { get; init; }
}

/// <summary>
/// Fetches and caches the keys of a JWKS endpoint the way Centrifugo's <c>jwks.Manager</c> does: only keys with
/// <c>"use": "sig"</c> count; each key is cached for one hour per (resolved URL, <c>kid</c>), so one tenant's key can
/// never verify another tenant's token that happens to reuse the <c>kid</c>; a fetch waits at most 1 s and is tried
/// twice. A miss costs a fetch: concurrent misses on one URL share it.
/// </summary>
internal sealed class JwksKeySource : IDisposable
{
    /// <summary>Centrifugo caches fetched keys for one hour.</summary>
    private static readonly TimeSpan CacheTtl = TimeSpan.FromHours(1);

    /// <summary>Centrifugo's HTTP client timeout: a slow key server must not hold connects for long.</summary>
    private static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Centrifugo tries a failed fetch twice in all.</summary>
    private const int Attempts = 2;

    /// <summary>A key set is a few kilobytes; 1 MiB bounds what a misbehaving endpoint can make us buffer.</summary>
    private const int MaxResponseBytes = 1 << 20;

    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(string Url, string Kid), (JsonWebKey Key, DateTimeOffset Expires)> _cache = new();
    private readonly ConcurrentDictionary<string, Lazy<Task<IReadOnlyList<JsonWebKey>>>> _fetches = new(StringComparer.Ordinal);

    public JwksKeySource(TimeProvider time, HttpMessageHandler? handler = null)
    {
        _time = time;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = FetchTimeout,
            MaxResponseContentBufferSize = MaxResponseBytes,
        };
    }

    /// <summary>The key <paramref name="kid"/> of the set at <paramref name="url"/>, or no key and the reason (fetch failures included).</summary>
    public async ValueTask<(JsonWebKey? Key, string Problem)> GetKeyAsync(string url, string kid, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue((url, kid), out var cached) && cached.Expires > now)
        {
            return (cached.Key, "");
        }

        IReadOnlyList<JsonWebKey> keys;
        try
        {
            keys = await FetchSharedAsync(url).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or FormatException or InvalidOperationException)
        {
            return (null, "JWKS fetch failed: " + e.Message);
        }

        foreach (var key in keys)
        {
            if (key.KeyId == kid)
            {
                return (key, "");
            }
        }

        return (null, "JWKS has no signing key with this kid");
    }

    public void Dispose() => _http.Dispose();

    private Task<IReadOnlyList<JsonWebKey>> FetchSharedAsync(string url)
    {
        var fetch = _fetches.GetOrAdd(url, u => new Lazy<Task<IReadOnlyList<JsonWebKey>>>(() => FetchAsync(u)));
        return fetch.Value;
    }

    private async Task<IReadOnlyList<JsonWebKey>> FetchAsync(string url)
    {
        try
        {
            byte[]? body = null;
            Exception? last = null;
            for (var attempt = 0; attempt < Attempts && body is null; attempt++)
            {
                try
                {
                    using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
                    if (response.StatusCode != System.Net.HttpStatusCode.OK)
                    {
                        last = new HttpRequestException($"unexpected status code {(int)response.StatusCode}");
                        continue;
                    }

                    body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    last = e;
                }
            }

            if (body is null)
            {
                throw last ?? new HttpRequestException("no response");
            }

            var keys = Parse(body);
            var expires = _time.GetUtcNow() + CacheTtl;
            foreach (var key in keys)
            {
                _cache[(url, key.KeyId)] = (key, expires);
            }

            Purge();
            return keys;
        }
        finally
        {
            _fetches.TryRemove(url, out _);
        }
    }

    /// <summary>Drops expired entries, so keys rotated out of a set do not stay in memory forever.</summary>
    private void Purge()
    {
        var now = _time.GetUtcNow();
        foreach (var (key, value) in _cache)
        {
            if (value.Expires <= now)
            {
                _cache.TryRemove(key, out _);
            }
        }
    }

    /// <summary>
    /// The signing keys of a JWKS document. Keys whose <c>use</c> is not <c>sig</c> are skipped, as in Centrifugo;
    /// a signing key Gyre cannot read (unknown <c>kty</c> or curve) is skipped too rather than failing the whole set.
    /// </summary>
    internal static List<JsonWebKey> Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        if (!document.RootElement.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("no keys array");
        }

        var result = new List<JsonWebKey>();
        foreach (var element in keys.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Object || Text(element, "use") != "sig")
            {
                continue;
            }

            try
            {
                if (ToKey(element) is { } key)
                {
                    result.Add(key);
                }
            }
            catch (Exception e) when (e is FormatException or CryptographicException)
            {
                // An unreadable key cannot verify anything; the others still can.
            }
        }

        return result;
    }

    private static JsonWebKey? ToKey(JsonElement element)
    {
        var kty = Text(element, "kty");
        var kid = Text(element, "kid");
        var alg = Text(element, "alg");
        switch (kty)
        {
            case "RSA":
                return new JsonWebKey
                {
                    KeyType = kty,
                    KeyId = kid,
                    Algorithm = alg,
                    Rsa = RSA.Create(new RSAParameters { Modulus = Bytes(element, "n"), Exponent = Bytes(element, "e") }),
                };
            case "EC":
                var curve = Text(element, "crv") switch
                {
                    "P-256" => ECCurve.NamedCurves.nistP256,
                    "P-384" => ECCurve.NamedCurves.nistP384,
                    "P-521" => ECCurve.NamedCurves.nistP521,
                    _ => throw new FormatException("unsupported curve"),
                };
                return new JsonWebKey
                {
                    KeyType = kty,
                    KeyId = kid,
                    Algorithm = alg,
                    Ecdsa = ECDsa.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = Bytes(element, "x"), Y = Bytes(element, "y") } }),
                };
            case "OKP" when Text(element, "crv") == "Ed25519":
                var x = Bytes(element, "x");
                return x.Length == 32 ? new JsonWebKey { KeyType = kty, KeyId = kid, Algorithm = alg, Ed25519 = x } : null;
            default:
                return null;
        }
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private static byte[] Bytes(JsonElement element, string name) =>
        System.Buffers.Text.Base64Url.DecodeFromChars(Text(element, name).TrimEnd('='));
}
