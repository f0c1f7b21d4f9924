using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gyre.AspNetCore;
using Gyre.Testing;

namespace Gyre.Server.Tests.EndToEnd;

/// <summary>The end-to-end server with HTTP-streaming, SSE, emulation and the unidirectional transports switched on.</summary>
public sealed class StreamingServerFixture : ServerFixture
{
    /// <summary>A small emulation body limit, so the 413 test sends little.</summary>
    public const int EmulationBodyLimit = 4096;

    protected override GyreEndpointOptions ConfigureEndpoints(GyreEndpointOptions endpoints) => endpoints with
    {
        HttpStream = endpoints.HttpStream with { Enabled = true },
        Sse = endpoints.Sse with { Enabled = true },
        EmulationMaxRequestBodySize = EmulationBodyLimit,
        UniHttpStream = endpoints.UniHttpStream with { Enabled = true },
        UniSse = endpoints.UniSse with
        {
            Enabled = true,
            ConnectCodeToHttpResponse = new Dictionary<uint, ConnectCodeResponse> { [3500] = new(403, "") },
        },
        UniWebSocket = endpoints.UniWebSocket with { Enabled = true },
    };

    /// <summary>Opens a streaming response and returns it once the headers arrived.</summary>
    public async Task<HttpStreamClient> OpenAsync(HttpMethod method, string path, byte[]? body = null, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        return new HttpStreamClient(response, await response.Content.ReadAsStreamAsync().DefaultTimeout());
    }

    /// <summary>Posts a JSON emulation request: <c>{session, node, data}</c>.</summary>
    public Task<HttpResponseMessage> EmulateAsync(string session, string node, string data) =>
        Http.PostAsync("/emulation", new StringContent(JsonSerializer.Serialize(new { session, node, data }), Encoding.UTF8, "application/json")).DefaultTimeout();
}

/// <summary>Reads a streaming HTTP response: newline-delimited messages, SSE <c>data:</c> events, or raw bytes.</summary>
public sealed class HttpStreamClient(HttpResponseMessage response, Stream body) : IDisposable
{
    private readonly StreamReader _reader = new(body, Encoding.UTF8);

    public HttpResponseMessage Response { get; } = response;

    public Stream Body { get; } = body;

    /// <summary>The next non-empty line, or null at the end of the stream.</summary>
    public async Task<string?> NextLineAsync()
    {
        while (true)
        {
            var line = await _reader.ReadLineAsync().DefaultTimeout();
            if (line is null || line.Trim().Length > 0)
            {
                return line;
            }
        }
    }

    /// <summary>The rest of the body (an error response's text).</summary>
    public Task<string> ReadToEndAsync() => _reader.ReadToEndAsync().DefaultTimeout();

    /// <summary>The data of the next SSE event, or null at the end of the stream.</summary>
    public async Task<string?> NextEventAsync()
    {
        while (await NextLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                return line["data: ".Length..];
            }
        }

        return null;
    }

    public async Task<JsonElement> NextJsonAsync(bool sse = false) =>
        JsonDocument.Parse((sse ? await NextEventAsync() : await NextLineAsync()) ?? throw new InvalidOperationException("stream ended")).RootElement;

    public void Dispose()
    {
        _reader.Dispose();
        Response.Dispose();
    }
}
