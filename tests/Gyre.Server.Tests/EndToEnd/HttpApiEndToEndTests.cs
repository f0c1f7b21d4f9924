using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Gyre.Testing;

namespace Gyre.Server.Tests.EndToEnd;

public sealed class HttpApiEndToEndTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Theory]
    [InlineData(null)]
    [InlineData("wrong")]
    public async Task MissingOrWrongKeyIsUnauthorizedWithAnEmptyBody(string? key)
    {
        var response = await server.ApiAsync("publish", """{"channel":"news","data":{}}""", key);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AuthorizationApikeySchemeAndQueryParameterAreAccepted()
    {
        var header = await server.ApiAsync("info", "{}", key: null, r => r.Headers.Authorization = new AuthenticationHeaderValue("ApiKey", ServerFixture.ApiKey));
        Assert.Equal(HttpStatusCode.OK, header.StatusCode);
        var query = await server.Http.PostAsync($"/api/info?api_key={ServerFixture.ApiKey}", new StringContent("{}")).WaitAsync(TestTimeouts.Default);
        Assert.Equal(HttpStatusCode.OK, query.StatusCode);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("""{"channel":5}""")]
    public async Task BodyThatDoesNotDecodeIsBadRequestInPlainText(string body)
    {
        var response = await server.ApiAsync("publish", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NonPostIsMethodNotAllowedAndUnknownMethodIsNotFound()
    {
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await server.Http.GetAsync("/api/publish").WaitAsync(TestTimeouts.Default)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.ApiAsync("no_such_method", "{}")).StatusCode);
    }

    [Fact]
    public async Task PublishErrorsUseCentrifugoCodesInsideA200()
    {
        var unknown = await server.ApiJsonAsync("publish", """{"channel":"nope:1","data":{}}""");
        Assert.Equal(102u, unknown.GetProperty("error").GetProperty("code").GetUInt32());
        var missing = await server.ApiJsonAsync("publish", """{"data":{}}""");
        Assert.Equal(107u, missing.GetProperty("error").GetProperty("code").GetUInt32());
        var noData = await server.ApiJsonAsync("publish", """{"channel":"news"}""");
        Assert.Equal(107u, noData.GetProperty("error").GetProperty("code").GetUInt32());
        var badBase64 = await server.ApiJsonAsync("publish", """{"channel":"news","b64data":"***"}""");
        Assert.Equal(107u, badBase64.GetProperty("error").GetProperty("code").GetUInt32());
    }

    [Fact]
    public async Task TransportErrorModeMapsTheErrorToAnHttpStatus()
    {
        var response = await server.ApiAsync("publish", """{"channel":"nope:1","data":{}}""", configure: r => r.Headers.Add("X-Centrifugo-Error-Mode", "transport"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("""{"code":102,"message":"unknown channel"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task BroadcastAnswersEveryChannelInOrder()
    {
        var reply = await server.ApiJsonAsync("broadcast", """{"channels":["a","nope:1","b"],"data":{"x":1}}""");
        var responses = reply.GetProperty("result").GetProperty("responses");
        Assert.Equal(3, responses.GetArrayLength());
        Assert.Equal(JsonValueKind.Object, responses[0].GetProperty("result").ValueKind);
        Assert.Equal(102u, responses[1].GetProperty("error").GetProperty("code").GetUInt32());
        Assert.Equal(107u, (await server.ApiJsonAsync("broadcast", """{"channels":[],"data":{}}""")).GetProperty("error").GetProperty("code").GetUInt32());
    }

    [Fact]
    public async Task InfoDescribesThisNode()
    {
        var node = (await server.ApiJsonAsync("info", "{}")).GetProperty("result").GetProperty("nodes")[0];
        Assert.Equal(server.Node.Id, node.GetProperty("uid").GetString());
        Assert.True(node.TryGetProperty("num_clients", out _));
        Assert.True(node.TryGetProperty("num_channels", out _));
        Assert.True(node.TryGetProperty("version", out _));
    }

    [Fact]
    public async Task UnknownFieldsInApiRequestsAreIgnoredAndNamesMatchCaseInsensitively()
    {
        var reply = await server.ApiJsonAsync("publish", """{"Channel":"news","DATA":{"a":1},"future":[1]}""");
        Assert.False(reply.TryGetProperty("error", out _), reply.ToString());
    }

    [Fact]
    public async Task HealthAnswersEmptyObject()
    {
        var response = await server.Http.GetAsync("/health").WaitAsync(TestTimeouts.Default);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{}", await response.Content.ReadAsStringAsync());
    }
}
