using Gyre.Core;

namespace Gyre.Core.Tests;

/// <summary>gobwas/glob syntax as Centrifugo's <c>channels</c> API and <c>allowed_origins</c> take it.</summary>
public class GlobPatternTests
{
    [Theory]
    [InlineData("news*", "news", true)]
    [InlineData("news*", "news:sport", true)]
    [InlineData("*:sport", "news:sport", true)]
    [InlineData("n?ws", "news", true)]
    [InlineData("n?ws", "nws", false)]
    [InlineData("glob-{a,b}", "glob-a", true)]
    [InlineData("glob-{a,b}", "glob-c", false)]
    [InlineData("glob-{a,b{1,2}}", "glob-b2", true)]
    [InlineData("glob-[ab]", "glob-b", true)]
    [InlineData("glob-[ab]", "glob-c", false)]
    [InlineData("glob-[a-z]", "glob-q", true)]
    [InlineData("glob-[a-z]", "glob-Q", false)]
    [InlineData("glob-[!b]", "glob-a", true)]
    [InlineData("glob-[!b]", "glob-b", false)]
    [InlineData("glob-[!a-c]", "glob-d", true)]
    [InlineData(@"a\*b", "a*b", true)]
    [InlineData(@"a\*b", "axb", false)]
    [InlineData("a.b", "axb", false)]
    [InlineData("$user(1)+", "$user(1)+", true)]
    [InlineData("https://*.example.com", "https://app.example.com", true)]
    [InlineData("https://*.example.com", "https://example.com.evil.test", false)]
    public void MatchesLikeGobwasGlob(string glob, string input, bool expected) =>
        Assert.Equal(expected, GlobPattern.Compile(glob).IsMatch(input));

    [Theory]
    [InlineData("glob-[a")]
    [InlineData("glob-{a,b")]
    [InlineData("glob-a}")]
    [InlineData("glob-[]")]
    [InlineData(@"glob\")]
    public void MalformedGlobIsAFormatError(string glob) =>
        Assert.Throws<FormatException>(() => GlobPattern.Compile(glob));
}
