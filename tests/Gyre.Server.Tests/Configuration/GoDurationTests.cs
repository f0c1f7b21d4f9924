using Gyre.Server.Configuration;

namespace Gyre.Server.Tests.Configuration;

public class GoDurationTests
{
    // Expected values are Go's time.ParseDuration results, in nanoseconds.
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("-0", 0L)]
    [InlineData("0s", 0L)]
    [InlineData("25s", 25_000_000_000L)]
    [InlineData("+5s", 5_000_000_000L)]
    [InlineData("-1s", -1_000_000_000L)]
    [InlineData("1500ms", 1_500_000_000L)]
    [InlineData("1h30m", 5_400_000_000_000L)]
    [InlineData("720h", 2_592_000_000_000_000L)]
    [InlineData("1.5h", 5_400_000_000_000L)]
    [InlineData(".5s", 500_000_000L)]
    [InlineData("1.s", 1_000_000_000L)]
    [InlineData("100ns", 100L)]
    [InlineData("3us", 3_000L)]
    [InlineData("3µs", 3_000L)]
    [InlineData("3μs", 3_000L)]
    [InlineData("1h1m1s1ms1us1ns", 3_661_001_001_001L)]
    [InlineData("1.000000001s", 1_000_000_001L)]
    [InlineData("9223372036854775807ns", long.MaxValue)]
    [InlineData("-9223372036854775808ns", long.MinValue)]
    public void ParsesGoDurationText(string text, long nanoseconds)
    {
        Assert.True(GoDuration.TryParseNanoseconds(text, out var parsed, out var error), error);
        Assert.Equal(nanoseconds, parsed);
    }

    [Theory]
    [InlineData("", "invalid duration \"\"")]
    [InlineData("-", "invalid duration \"-\"")]
    [InlineData("s", "invalid duration \"s\"")]
    [InlineData(".s", "invalid duration \".s\"")]
    [InlineData("25", "missing unit in duration \"25\"")]
    [InlineData("1d", "unknown unit \"d\" in duration \"1d\"")]
    [InlineData("1S", "unknown unit \"S\" in duration \"1S\"")]
    [InlineData("1h 30m", "unknown unit \"h \" in duration \"1h 30m\"")]
    [InlineData("9223372036854775808ns", "invalid duration \"9223372036854775808ns\"")]
    [InlineData("3000000h", "invalid duration \"3000000h\"")]
    public void RejectsWhatGoRejectsWithGoMessage(string text, string message)
    {
        Assert.False(GoDuration.TryParseNanoseconds(text, out _, out var error));
        Assert.Equal(message, error);
        Assert.Equal(message, Assert.Throws<FormatException>(() => GoDuration.Parse(text)).Message);
    }

    [Fact]
    public void ParseTruncatesBelowOneTick()
    {
        Assert.Equal(TimeSpan.FromTicks(1), GoDuration.Parse("199ns"));
        Assert.Equal(TimeSpan.FromTicks(-1), GoDuration.Parse("-199ns"));
    }

    // Expected strings are Go's Duration.String() output.
    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(100L, "100ns")]
    [InlineData(1_500L, "1.5µs")]
    [InlineData(1_000_000L, "1ms")]
    [InlineData(1_500_000L, "1.5ms")]
    [InlineData(1_000_000_000L, "1s")]
    [InlineData(1_500_000_000L, "1.5s")]
    [InlineData(25_000_000_000L, "25s")]
    [InlineData(60_000_000_000L, "1m0s")]
    [InlineData(5_400_000_000_000L, "1h30m0s")]
    [InlineData(604_800_000_000_000L, "168h0m0s")]
    [InlineData(2_592_000_000_000_000L, "720h0m0s")]
    [InlineData(-1_000_000_000L, "-1s")]
    [InlineData(3_661_001_001_100L, "1h1m1.0010011s")]
    public void FormatsLikeGoDurationString(long nanoseconds, string text)
    {
        Assert.Equal(text, GoDuration.Format(GoDuration.FromNanoseconds(nanoseconds)));
    }

    [Theory]
    [InlineData("25s")]
    [InlineData("1h30m0s")]
    [InlineData("1.5ms")]
    [InlineData("-8s")]
    public void FormattedTextParsesBackToTheSameDuration(string text)
    {
        var value = GoDuration.Parse(text);
        Assert.Equal(value, GoDuration.Parse(GoDuration.Format(value)));
    }
}
