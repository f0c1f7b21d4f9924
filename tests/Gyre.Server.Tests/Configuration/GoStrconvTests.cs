using Gyre.Server.Configuration;

namespace Gyre.Server.Tests.Configuration;

public class GoStrconvTests
{
    [Theory]
    [InlineData("1", true)]
    [InlineData("t", true)]
    [InlineData("T", true)]
    [InlineData("TRUE", true)]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("0", false)]
    [InlineData("f", false)]
    [InlineData("F", false)]
    [InlineData("FALSE", false)]
    [InlineData("false", false)]
    [InlineData("False", false)]
    public void ParseBoolAcceptsGoSpellings(string text, bool expected)
    {
        Assert.True(GoStrconv.TryParseBool(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("on")]
    [InlineData("tRUE")]
    [InlineData("")]
    [InlineData(" true")]
    public void ParseBoolRejectsOtherSpellings(string text)
    {
        Assert.False(GoStrconv.TryParseBool(text, out _));
    }

    [Theory]
    [InlineData("8000", 8000L)]
    [InlineData("-1", -1L)]
    [InlineData("+42", 42L)]
    [InlineData("0", 0L)]
    [InlineData("0x1F", 31L)]
    [InlineData("0o17", 15L)]
    [InlineData("017", 15L)]
    [InlineData("0b101", 5L)]
    [InlineData("1_000_000", 1_000_000L)]
    [InlineData("0x_ff", 255L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    public void ParseInt64AcceptsGoBaseZeroSyntax(string text, long expected)
    {
        Assert.True(GoStrconv.TryParseInt64(text, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("8000.0")]
    [InlineData("1e3")]
    [InlineData("08")]
    [InlineData("0x")]
    [InlineData("_1")]
    [InlineData("1_")]
    [InlineData("1__0")]
    [InlineData(" 1")]
    [InlineData("9223372036854775808")]
    public void ParseInt64RejectsWhatGoRejects(string text)
    {
        Assert.False(GoStrconv.TryParseInt64(text, out _));
    }
}
