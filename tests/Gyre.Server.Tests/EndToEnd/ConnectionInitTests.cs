using System.Net;
using Gyre.AspNetCore;
using Gyre.Testing;

namespace Gyre.Server.Tests.EndToEnd;

/// <summary>A server with <c>init.enabled: true</c>.</summary>
public sealed class InitServerFixture : ServerFixture
{
    protected override GyreEndpointOptions ConfigureEndpoints(GyreEndpointOptions endpoints) => endpoints with { InitEnabled = true };
}

/// <summary><c>/connection/init</c>: Centrifugo v6's connection init endpoint (internal/conninit).</summary>
public sealed class ConnectionInitTests(InitServerFixture server) : IClassFixture<InitServerFixture>
{
    [Fact]
    public async Task GetAnswers200WithAnEmptyJsonObject()
    {
        using var response = await server.Http.GetAsync("/connection/init").WaitAsync(TestTimeouts.Default);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("{}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OtherMethodsAreRefusedWith405()
    {
        using var response = await server.Http.PostAsync("/connection/init", null).WaitAsync(TestTimeouts.Default);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task TheEndpointIsOffUnlessEnabled()
    {
        var plain = new ServerFixture();
        await plain.InitializeAsync();
        try
        {
            using var response = await plain.Http.GetAsync("/connection/init").WaitAsync(TestTimeouts.Default);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        finally
        {
            await plain.DisposeAsync();
        }
    }
}
