using Gyre.Server.Configuration;

namespace Gyre.Server.Tests.Configuration;

public class SwaggerConfigTests
{
    [Theory]
    [InlineData("{}", null)]
    [InlineData("""{"swagger":{"enabled":true}}""", "/swagger/swagger.json")]
    [InlineData("""{"swagger":{"enabled":true,"handler_prefix":"/docs/"}}""", "/docs/swagger.json")]
    [InlineData("""{"swagger":{"enabled":true,"handler_prefix":""}}""", "/swagger/swagger.json")]
    [InlineData("""{"swagger":{"enabled":false,"handler_prefix":"not-checked-when-off"}}""", null)]
    public void DocumentPathFollowsEnabledAndHandlerPrefix(string content, string? expected)
    {
        using var dir = new TempDirectory();
        var loaded = Load.File(dir.Write("config.json", content));

        Assert.Equal(expected, ConfigMapper.ToSwaggerDocumentPath(loaded.Config));
        Assert.DoesNotContain(loaded.Warnings, w => w.Contains("swagger", StringComparison.Ordinal));
    }

    [Fact]
    public void EnabledFlagTurnsTheDocumentOn()
    {
        var loaded = Load.WithoutFile(flags: new() { ["swagger.enabled"] = "true" });

        Assert.Equal("/swagger/swagger.json", ConfigMapper.ToSwaggerDocumentPath(loaded.Config));
    }
}
