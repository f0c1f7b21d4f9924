using Gyre.Server.Configuration;

namespace Gyre.Server.Tests.Configuration;

public class DotEnvFileTests
{
    [Fact]
    public void ParsesCommentsExportAndQuotes()
    {
        var variables = DotEnvFile.Parse("""
            # comment
            CENTRIFUGO_A=plain value # trailing comment
            export CENTRIFUGO_B = 'single #quoted'
            CENTRIFUGO_C="line\nbreak \"quoted\""

            CENTRIFUGO_D=
            """, ".env");

        Assert.Equal("plain value", variables["CENTRIFUGO_A"]);
        Assert.Equal("single #quoted", variables["CENTRIFUGO_B"]);
        Assert.Equal("line\nbreak \"quoted\"", variables["CENTRIFUGO_C"]);
        Assert.Equal("", variables["CENTRIFUGO_D"]);
    }

    [Theory]
    [InlineData("NOT A LINE")]
    [InlineData("=value")]
    [InlineData("KEY=\"unterminated")]
    public void MalformedLineIsAnErrorNamingFileAndLine(string line)
    {
        var error = Assert.Throws<ConfigException>(() => DotEnvFile.Parse("OK=1\n" + line, "/srv/.env"));

        Assert.Contains("/srv/.env", error.Message, StringComparison.Ordinal);
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }
}
