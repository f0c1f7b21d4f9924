using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gyre.Core.Tests.Auth;

/// <summary>
/// A tiny JWKS server on 127.0.0.1 for tests: serves a key set per path, counts requests, and can hold a path's
/// requests unanswered (to exercise the fetch timeout).
/// </summary>
internal sealed class JwksServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, string> _documents = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _hits = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;

    public JwksServer()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    /// <summary>Paths whose requests are never answered.</summary>
    public HashSet<string> Hanging { get; } = [];

    public int Hits(string path) => _hits.GetValueOrDefault(path);

    public void Serve(string path, string json) => _documents[path] = json;

    public void Serve(string path, params object[] keys) => Serve(path, JsonSerializer.Serialize(new { keys }));

    public static object RsaKey(RSA rsa, string kid, string? alg = "RS256", string use = "sig")
    {
        var p = rsa.ExportParameters(false);
        return alg is null
            ? new { kty = "RSA", kid, use, n = B64(p.Modulus!), e = B64(p.Exponent!) }
            : new { kty = "RSA", kid, use, alg, n = B64(p.Modulus!), e = B64(p.Exponent!) };
    }

    public static object EcKey(ECDsa ecdsa, string kid, string crv = "P-256", string? alg = null)
    {
        var p = ecdsa.ExportParameters(false);
        return alg is null
            ? new { kty = "EC", kid, use = "sig", crv, x = B64(p.Q.X!), y = B64(p.Q.Y!) }
            : new { kty = "EC", kid, use = "sig", crv, alg, x = B64(p.Q.X!), y = B64(p.Q.Y!) };
    }

    public static string B64(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    public async ValueTask DisposeAsync()
    {
        _stopped.TrySetResult();
        _listener.Stop();
        _listener.Close();
        await _loop;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => RespondAsync(context));
        }
    }

    private async Task RespondAsync(HttpListenerContext context)
    {
        var path = context.Request.RawUrl ?? "/";
        _hits.AddOrUpdate(path, 1, (_, n) => n + 1);
        try
        {
            if (Hanging.Contains(path))
            {
                await _stopped.Task;
                return;
            }

            if (!_documents.TryGetValue(path, out var json))
            {
                context.Response.StatusCode = 404;
                return;
            }

            var body = Encoding.UTF8.GetBytes(json);
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(body);
        }
        catch (HttpListenerException)
        {
            // The client gave up (timeout test).
        }
        finally
        {
            try
            {
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
    }
}
