using System.Text;

namespace Gyre.Redis.Tests;

public sealed class RedisMessageTests
{
    [Fact]
    public void BareProtobufIsAPublicationWithoutPosition()
    {
        byte[] data = [0x22, 0x02, (byte)'h', (byte)'i'];

        Assert.True(RedisMessage.TryParse(data, out var kind, out var offset, out var epoch, out var payload));
        Assert.Equal((RedisMessageKind.Publication, 0UL, 0), (kind, offset, epoch.Length));
        Assert.Equal(data, payload.ToArray());
    }

    [Fact]
    public void PositionHeaderCarriesOffsetAndEpoch()
    {
        Assert.True(RedisMessage.TryParse("__p1:123:AbCdEfGh__payload"u8, out var kind, out var offset, out var epoch, out var payload));

        Assert.Equal((RedisMessageKind.Publication, 123UL), (kind, offset));
        Assert.Equal("AbCdEfGh", Encoding.ASCII.GetString(epoch));
        Assert.Equal("payload", Encoding.ASCII.GetString(payload));
    }

    [Fact]
    public void JoinAndLeaveMarkersAreRecognised()
    {
        Assert.True(RedisMessage.TryParse("__j__info"u8, out var join, out _, out _, out var joinPayload));
        Assert.True(RedisMessage.TryParse("__l__info"u8, out var leave, out _, out _, out var leavePayload));

        Assert.Equal((RedisMessageKind.Join, "info"), (join, Encoding.ASCII.GetString(joinPayload)));
        Assert.Equal((RedisMessageKind.Leave, "info"), (leave, Encoding.ASCII.GetString(leavePayload)));
    }

    [Theory]
    [InlineData("__p1:12:epoch")]
    [InlineData("__p1::epoch__x")]
    [InlineData("__p1:1x:epoch__x")]
    [InlineData("__d1:1:e:0::1:x")]
    [InlineData("__")]
    public void MalformedOrUnknownFramesAreRejected(string frame) =>
        Assert.False(RedisMessage.TryParse(Encoding.ASCII.GetBytes(frame), out _, out _, out _, out _));

    [Fact]
    public void SameEpochBytesReuseTheLastString()
    {
        var last = "AbCdEfGh";

        Assert.Same(last, RedisMessage.Epoch("AbCdEfGh"u8, last));
        Assert.Equal("ZzZzZzZz", RedisMessage.Epoch("ZzZzZzZz"u8, last));
    }

    [Fact]
    public void EveryScriptIsEmbedded()
    {
        Assert.All(
            [RedisScripts.Publish, RedisScripts.PublishIdempotent, RedisScripts.History, RedisScripts.PresenceAdd, RedisScripts.PresenceRemove, RedisScripts.PresenceGet, RedisScripts.PresenceStats],
            script => Assert.Contains("redis.call", script, StringComparison.Ordinal));
    }

    [Fact]
    public void EpochsAreEightLetters() => Assert.Matches("^[a-zA-Z]{8}$", Epochs.New());
}
