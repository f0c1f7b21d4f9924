using Gyre.AspNetCore;
using Gyre.Server.Swagger;
using Microsoft.OpenApi;

namespace Gyre.Server.Tests.Swagger;

/// <summary>How the endpoint options shape the document, without a server.</summary>
public class ServerApiDocumentTests
{
    [Fact]
    public void PathsFollowTheHttpApiHandlerPrefix()
    {
        var document = Describe(GyreEndpointOptions.Default with { HttpApiPath = "/v1/api/" });

        Assert.Equal(14, document.Paths.Count);
        Assert.Contains("/v1/api/presence_stats", document.Paths.Keys);
        Assert.All(document.Paths.Keys, p => Assert.StartsWith("/v1/api/", p, StringComparison.Ordinal));
    }

    [Fact]
    public void InsecureApiHasNoSecurityRequirement()
    {
        var secured = Describe(GyreEndpointOptions.Default);
        var insecure = Describe(GyreEndpointOptions.Default with { HttpApiInsecure = true });

        Assert.Equal(3, secured.Security!.Count);
        Assert.True(insecure.Security is null or { Count: 0 });
        Assert.True(insecure.Components!.SecuritySchemes is null or { Count: 0 });
    }

    [Fact]
    public void DisabledApiHasNoPaths()
    {
        Assert.Empty(Describe(GyreEndpointOptions.Default with { HttpApiDisabled = true }).Paths);
    }

    [Fact]
    public void MethodNamesAreTheSnakeCaseRoutesOfTheGrpcService()
    {
        Assert.Equal(
            ["batch", "broadcast", "channels", "disconnect", "history", "history_remove", "info", "presence", "presence_stats", "publish", "refresh", "rpc", "subscribe", "unsubscribe"],
            ServerApiDocument.Methods.Select(m => m.Name));
    }

    private static OpenApiDocument Describe(GyreEndpointOptions endpoints)
    {
        var document = new OpenApiDocument();
        ServerApiDocument.Describe(document, endpoints, "test");
        return document;
    }
}
