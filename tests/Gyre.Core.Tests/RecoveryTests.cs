using System.Text;
using System.Text.Json;
using Gyre.Core.Channels;
using Gyre.Core.Engine;
using Gyre.Core.Engine.Memory;
using Gyre.Protocol.Messages;
using Gyre.Testing;
using HistoryResult = Gyre.Core.Engine.HistoryResult;
using PublishResult = Gyre.Core.Engine.PublishResult;
using StreamPosition = Gyre.Core.Engine.StreamPosition;

namespace Gyre.Core.Tests;

public sealed class RecoveryTests
{
    private static readonly ChannelOptions Stream = new()
    {
        AllowSubscribeForClient = true,
        HistorySize = 100,
        HistoryTtl = TimeSpan.FromMinutes(5),
        ForceRecovery = true,
    };

    private static Harness NewHarness(ChannelOptions? options = null, IBroker? broker = null, int recoveryLimit = 300) => new(o => o with
    {
        Channels = o.Channels with { Namespaces = [new ChannelNamespace("r", options ?? Stream)] },
        Client = o.Client with { RecoveryMaxPublicationLimit = recoveryLimit },
    }, broker);

    private static async Task PublishAsync(Harness h, string channel, int n)
    {
        h.Node.Channels.Resolve(channel, out var options);
        await h.Node.PublishAsync(channel, Encoding.UTF8.GetBytes($$$"""{"n":{{{n}}}}"""), options);
    }

    private static int N(JsonElement publication) => publication.GetProperty("data").GetProperty("n").GetInt32();

    [Fact]
    public async Task SubscribeToRecoverableChannelReportsPositionAndEpoch()
    {
        await using var h = NewHarness();
        await PublishAsync(h, "r:a", 1);
        var c = await h.ConnectedAsync();
        var result = (await c.RequestAsync(2, "subscribe", """{"channel":"r:a"}""")).GetProperty("subscribe");
        Assert.True(result.GetProperty("recoverable").GetBoolean());
        Assert.True(result.GetProperty("positioned").GetBoolean());
        Assert.Equal(1u, result.GetProperty("offset").GetUInt64());
        Assert.Equal(8, result.GetProperty("epoch").GetString()!.Length);
        Assert.False(result.TryGetProperty("recovered", out _));
    }

    [Fact]
    public async Task ResubscribeRecoversMissedPublicationsInOrder()
    {
        await using var h = NewHarness();
        var c = await h.ConnectedAsync();
        var first = (await c.RequestAsync(2, "subscribe", """{"channel":"r:a"}""")).GetProperty("subscribe");
        var epoch = first.GetProperty("epoch").GetString();
        await PublishAsync(h, "r:a", 1);
        await c.RequestAsync(3, "unsubscribe", """{"channel":"r:a"}""");
        for (var i = 2; i <= 4; i++)
        {
            await PublishAsync(h, "r:a", i);
        }

        var result = (await c.RequestAsync(4, "subscribe", $$$"""{"channel":"r:a","recover":true,"offset":1,"epoch":"{{{epoch}}}"}""")).GetProperty("subscribe");
        Assert.True(result.GetProperty("recovered").GetBoolean());
        Assert.True(result.GetProperty("was_recovering").GetBoolean());
        Assert.Equal(1u, result.GetProperty("offset").GetUInt64());
        Assert.Equal([2, 3, 4], result.GetProperty("publications").EnumerateArray().Select(N));
        Assert.Equal([2u, 3u, 4u], result.GetProperty("publications").EnumerateArray().Select(p => p.GetProperty("offset").GetUInt64()));
    }

    [Fact]
    public async Task WrongEpochIsNotRecoveredAndGetsTheStreamTop()
    {
        await using var h = NewHarness();
        await PublishAsync(h, "r:a", 1);
        await PublishAsync(h, "r:a", 2);
        var c = await h.ConnectedAsync();
        var result = (await c.RequestAsync(2, "subscribe", """{"channel":"r:a","recover":true,"offset":1,"epoch":"stale"}""")).GetProperty("subscribe");
        Assert.False(result.TryGetProperty("recovered", out _));
        Assert.True(result.GetProperty("was_recovering").GetBoolean());
        Assert.False(result.TryGetProperty("publications", out _));
        Assert.Equal(2u, result.GetProperty("offset").GetUInt64());
    }

    [Fact]
    public async Task GapBeyondHistorySizeIsNotRecovered()
    {
        await using var h = NewHarness(Stream with { HistorySize = 3 });
        var c = await h.ConnectedAsync();
        var epoch = (await c.RequestAsync(2, "subscribe", """{"channel":"r:a"}""")).GetProperty("subscribe").GetProperty("epoch").GetString();
        await c.RequestAsync(3, "unsubscribe", """{"channel":"r:a"}""");
        for (var i = 1; i <= 6; i++)
        {
            await PublishAsync(h, "r:a", i);
        }

        var result = (await c.RequestAsync(4, "subscribe", $$$"""{"channel":"r:a","recover":true,"offset":0,"epoch":"{{{epoch}}}"}""")).GetProperty("subscribe");
        Assert.False(result.TryGetProperty("recovered", out _));
        Assert.Equal(6u, result.GetProperty("offset").GetUInt64());
    }

    [Fact]
    public async Task RejectUnrecoveredFlagTurnsAFailedRecoveryIntoError112()
    {
        await using var h = NewHarness();
        await PublishAsync(h, "r:a", 1);
        var c = await h.ConnectedAsync();
        var reply = await c.RequestAsync(2, "subscribe", """{"channel":"r:a","recover":true,"offset":1,"epoch":"stale","flag":3}""");
        Assert.Equal(112u, reply.GetProperty("error").GetProperty("code").GetUInt32());
        Assert.True((await c.RequestAsync(3, "subscribe", """{"channel":"r:a"}""")).TryGetProperty("subscribe", out _));
    }

    [Fact]
    public async Task CacheModeRecoversOnlyTheLatestPublication()
    {
        await using var h = NewHarness(Stream with { RecoveryMode = RecoveryMode.Cache });
        for (var i = 1; i <= 5; i++)
        {
            await PublishAsync(h, "r:a", i);
        }

        var c = await h.ConnectedAsync();
        var result = (await c.RequestAsync(2, "subscribe", """{"channel":"r:a","recover":true}""")).GetProperty("subscribe");
        Assert.True(result.GetProperty("recovered").GetBoolean());
        Assert.Equal([5], result.GetProperty("publications").EnumerateArray().Select(N));
    }

    [Fact]
    public async Task AutoCacheRecoverDeliversTheLatestWithoutBeingAsked()
    {
        await using var h = NewHarness(Stream with { RecoveryMode = RecoveryMode.Cache, AutoCacheRecover = true });
        await PublishAsync(h, "r:a", 1);
        await PublishAsync(h, "r:a", 2);
        var c = await h.ConnectedAsync();
        var result = (await c.RequestAsync(2, "subscribe", """{"channel":"r:a"}""")).GetProperty("subscribe");
        Assert.True(result.GetProperty("was_recovering").GetBoolean());
        Assert.Equal([2], result.GetProperty("publications").EnumerateArray().Select(N));
    }

    [Fact]
    public async Task PublicationsArrivingDuringTheHistoryReadAreNeitherLostNorDuplicated()
    {
        var inner = new MemoryBroker();
        var racing = new RacingBroker(inner);
        await using var h = NewHarness(broker: racing);
        var c = await h.ConnectedAsync();
        var epoch = (await c.RequestAsync(2, "subscribe", """{"channel":"r:a"}""")).GetProperty("subscribe").GetProperty("epoch").GetString();
        await c.RequestAsync(3, "unsubscribe", """{"channel":"r:a"}""");
        for (var i = 1; i <= 3; i++)
        {
            await PublishAsync(h, "r:a", i);
        }

        // While the recovering subscribe reads history, three more publications land: one before the read
        // (in both history and the live buffer) and two after it (only in the live buffer).
        racing.DuringNextRead = async (before) =>
        {
            if (before)
            {
                await PublishAsync(h, "r:a", 4);
            }
            else
            {
                await PublishAsync(h, "r:a", 5);
                await PublishAsync(h, "r:a", 6);
            }
        };
        var result = (await c.RequestAsync(4, "subscribe", $$$"""{"channel":"r:a","recover":true,"offset":0,"epoch":"{{{epoch}}}"}""")).GetProperty("subscribe");
        Assert.True(result.GetProperty("recovered").GetBoolean());
        Assert.Equal([1, 2, 3, 4, 5, 6], result.GetProperty("publications").EnumerateArray().Select(N));

        await PublishAsync(h, "r:a", 7);
        var live = await c.NextJsonAsync();
        Assert.Equal(7, N(live.GetProperty("push").GetProperty("pub")));
        Assert.Equal(7u, live.GetProperty("push").GetProperty("pub").GetProperty("offset").GetUInt64());
    }

    [Fact]
    public async Task ConcurrentPublishingDuringResubscribeDeliversEveryOffsetExactlyOnce()
    {
        // The recovery limit is lifted so that "not recovered because more than 300 were missed" cannot happen.
        await using var h = NewHarness(Stream with { HistorySize = 10_000 }, recoveryLimit: 10_000);
        var c = await h.ConnectedAsync();
        var epoch = (await c.RequestAsync(2, "subscribe", """{"channel":"r:a"}""")).GetProperty("subscribe").GetProperty("epoch").GetString();
        await c.RequestAsync(3, "unsubscribe", """{"channel":"r:a"}""");
        const int Total = 2000;
        var publisher = Task.Run(async () =>
        {
            for (var i = 1; i <= Total; i++)
            {
                await PublishAsync(h, "r:a", i);
            }
        });

        await Task.Yield();
        var seen = new List<ulong>();
        var result = (await c.RequestAsync(4, "subscribe", $$$"""{"channel":"r:a","recover":true,"offset":0,"epoch":"{{{epoch}}}"}""")).GetProperty("subscribe");
        Assert.True(result.GetProperty("recovered").GetBoolean());
        if (result.TryGetProperty("publications", out var recovered))
        {
            seen.AddRange(recovered.EnumerateArray().Select(p => p.GetProperty("offset").GetUInt64()));
        }

        await publisher.DefaultTimeout();
        while (seen.Count == 0 || seen[^1] < Total)
        {
            var message = await c.NextJsonAsync();
            if (message.TryGetProperty("push", out var push) && push.TryGetProperty("pub", out var pub))
            {
                seen.Add(pub.GetProperty("offset").GetUInt64());
            }
        }

        Assert.Equal(Enumerable.Range(1, Total).Select(i => (ulong)i), seen);
    }

    [Fact]
    public async Task LiveGapUnsubscribesWithInsufficientStateSoTheClientRecovers()
    {
        await using var h = NewHarness();
        var c = await h.ConnectedAsync();
        var epoch = (await c.RequestAsync(2, "subscribe", """{"channel":"r:a"}""")).GetProperty("subscribe").GetProperty("epoch").GetString()!;
        IBrokerEventHandler handler = h.Node;
        handler.HandlePublication("r:a", new Publication { Offset = 1, Data = Google.Protobuf.ByteString.CopyFromUtf8("1") }, new StreamPosition(1, epoch));
        Assert.Equal(1u, (await c.NextJsonAsync()).GetProperty("push").GetProperty("pub").GetProperty("offset").GetUInt64());
        handler.HandlePublication("r:a", new Publication { Offset = 3, Data = Google.Protobuf.ByteString.CopyFromUtf8("3") }, new StreamPosition(3, epoch));
        var push = (await c.NextJsonAsync()).GetProperty("push");
        Assert.Equal("r:a", push.GetProperty("channel").GetString());
        Assert.Equal(2500u, push.GetProperty("unsubscribe").GetProperty("code").GetUInt32());

        // The client resubscribes at once, as SDKs do for codes >= 2500.
        Assert.True((await c.RequestAsync(3, "subscribe", """{"channel":"r:a"}""")).TryGetProperty("subscribe", out _));
    }

    [Fact]
    public async Task DuplicateOrLatePublicationIsDroppedSilently()
    {
        await using var h = NewHarness();
        var c = await h.ConnectedAsync();
        var epoch = (await c.RequestAsync(2, "subscribe", """{"channel":"r:a"}""")).GetProperty("subscribe").GetProperty("epoch").GetString()!;
        IBrokerEventHandler handler = h.Node;
        handler.HandlePublication("r:a", new Publication { Offset = 1, Data = Google.Protobuf.ByteString.CopyFromUtf8("1") }, new StreamPosition(1, epoch));
        handler.HandlePublication("r:a", new Publication { Offset = 1, Data = Google.Protobuf.ByteString.CopyFromUtf8("1") }, new StreamPosition(1, epoch));
        handler.HandlePublication("r:a", new Publication { Offset = 2, Data = Google.Protobuf.ByteString.CopyFromUtf8("2") }, new StreamPosition(2, epoch));
        Assert.Equal(1u, (await c.NextJsonAsync()).GetProperty("push").GetProperty("pub").GetProperty("offset").GetUInt64());
        Assert.Equal(2u, (await c.NextJsonAsync()).GetProperty("push").GetProperty("pub").GetProperty("offset").GetUInt64());
    }

    [Fact]
    public async Task ServerSideSubscriptionWithAGapDisconnectsWithInsufficientState()
    {
        await using var h = NewHarness();
        var c = h.NewClient();
        await c.SendAsync($$$"""{"id":1,"connect":{"token":"{{{h.Token("42", extra: new { channels = new[] { "r:s" } })}}}"}}""");
        var sub = (await c.NextJsonAsync()).GetProperty("connect").GetProperty("subs").GetProperty("r:s");
        Assert.True(sub.GetProperty("recoverable").GetBoolean());
        var epoch = sub.GetProperty("epoch").GetString()!;
        IBrokerEventHandler handler = h.Node;
        handler.HandlePublication("r:s", new Publication { Offset = 5, Data = Google.Protobuf.ByteString.CopyFromUtf8("5") }, new StreamPosition(5, epoch));
        Assert.Equal(3010u, await c.ClosedWithAsync());
    }

    /// <summary>Runs a hook before and after the next history read with a limit, to force the recovery race.</summary>
    private sealed class RacingBroker(IBroker inner) : IBroker
    {
        public Func<bool, Task>? DuringNextRead { get; set; }

        public ValueTask StartAsync(IBrokerEventHandler handler, CancellationToken cancellationToken) => inner.StartAsync(handler, cancellationToken);

        public ValueTask SubscribeAsync(string channel, CancellationToken cancellationToken) => inner.SubscribeAsync(channel, cancellationToken);

        public ValueTask UnsubscribeAsync(string channel, CancellationToken cancellationToken) => inner.UnsubscribeAsync(channel, cancellationToken);

        public ValueTask<PublishResult> PublishAsync(string channel, Publication publication, PublishOptions options, CancellationToken cancellationToken) =>
            inner.PublishAsync(channel, publication, options, cancellationToken);

        public ValueTask PublishJoinAsync(string channel, ClientInfo info, CancellationToken cancellationToken) => inner.PublishJoinAsync(channel, info, cancellationToken);

        public ValueTask PublishLeaveAsync(string channel, ClientInfo info, CancellationToken cancellationToken) => inner.PublishLeaveAsync(channel, info, cancellationToken);

        public ValueTask PublishControlAsync(ReadOnlyMemory<byte> data, string? targetNode, CancellationToken cancellationToken) => inner.PublishControlAsync(data, targetNode, cancellationToken);

        public async ValueTask<HistoryResult> HistoryAsync(string channel, HistoryOptions options, CancellationToken cancellationToken)
        {
            var hook = options.Since is not null ? DuringNextRead : null;
            if (hook is not null)
            {
                DuringNextRead = null;
                await hook(true);
            }

            var result = await inner.HistoryAsync(channel, options, cancellationToken);
            if (hook is not null)
            {
                await hook(false);
            }

            return result;
        }

        public ValueTask RemoveHistoryAsync(string channel, CancellationToken cancellationToken) => inner.RemoveHistoryAsync(channel, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}

public sealed class DeltaTests
{
    private static readonly ChannelOptions DeltaChannel = new()
    {
        AllowSubscribeForClient = true,
        HistorySize = 100,
        HistoryTtl = TimeSpan.FromMinutes(5),
        ForceRecovery = true,
        FossilDeltaAllowed = true,
        DeltaPublish = true,
        AllowHistoryForClient = true,
    };

    [Fact]
    public async Task DeltaSubscriberGetsFullStringFirstThenPatchesWhilePlainSubscriberGetsRawJson()
    {
        await using var h = new Harness(o => o with { Channels = o.Channels with { Namespaces = [new ChannelNamespace("d", DeltaChannel)] } });
        var delta = await h.ConnectedAsync("1");
        var plain = await h.ConnectedAsync("2");
        Assert.True((await delta.RequestAsync(2, "subscribe", """{"channel":"d:x","delta":"fossil"}""")).GetProperty("subscribe").GetProperty("delta").GetBoolean());
        Assert.False((await plain.RequestAsync(2, "subscribe", """{"channel":"d:x"}""")).GetProperty("subscribe").TryGetProperty("delta", out _));

        var first = "{\"text\":\"" + new string('a', 100) + "\",\"n\":1}";
        var second = "{\"text\":\"" + new string('a', 100) + "\",\"n\":2}";
        await h.Node.PublishAsync("d:x", Encoding.UTF8.GetBytes(first), DeltaChannel);
        await h.Node.PublishAsync("d:x", Encoding.UTF8.GetBytes(second), DeltaChannel);

        var full = (await delta.NextJsonAsync()).GetProperty("push").GetProperty("pub");
        Assert.Equal(JsonValueKind.String, full.GetProperty("data").ValueKind);
        Assert.Equal(first, full.GetProperty("data").GetString());
        Assert.False(full.TryGetProperty("delta", out _));

        var patch = (await delta.NextJsonAsync()).GetProperty("push").GetProperty("pub");
        Assert.True(patch.GetProperty("delta").GetBoolean());
        var rebuilt = Gyre.Protocol.Delta.FossilDelta.Apply(Encoding.UTF8.GetBytes(first), Encoding.UTF8.GetBytes(patch.GetProperty("data").GetString()!));
        Assert.Equal(second, Encoding.UTF8.GetString(rebuilt));

        Assert.Equal(first, (await plain.NextJsonAsync()).GetProperty("push").GetProperty("pub").GetProperty("data").GetRawText());
        var plainSecond = (await plain.NextJsonAsync()).GetProperty("push").GetProperty("pub");
        Assert.Equal(second, plainSecond.GetProperty("data").GetRawText());
        Assert.False(plainSecond.TryGetProperty("delta", out _));
    }

    [Fact]
    public async Task RecoveredPublicationsForADeltaSubscriberStartFullAndChainPatches()
    {
        await using var h = new Harness(o => o with { Channels = o.Channels with { Namespaces = [new ChannelNamespace("d", DeltaChannel)] } });
        var c = await h.ConnectedAsync();
        var epoch = (await c.RequestAsync(2, "subscribe", """{"channel":"d:x","delta":"fossil"}""")).GetProperty("subscribe").GetProperty("epoch").GetString();
        await c.RequestAsync(3, "unsubscribe", """{"channel":"d:x"}""");
        var values = Enumerable.Range(1, 3).Select(i => "{\"text\":\"" + new string('b', 80) + "\",\"n\":" + i + "}").ToList();
        foreach (var value in values)
        {
            await h.Node.PublishAsync("d:x", Encoding.UTF8.GetBytes(value), DeltaChannel);
        }

        var pubs = (await c.RequestAsync(4, "subscribe", $$$"""{"channel":"d:x","delta":"fossil","recover":true,"offset":0,"epoch":"{{{epoch}}}"}""")).GetProperty("subscribe").GetProperty("publications");
        var current = Encoding.UTF8.GetBytes(pubs[0].GetProperty("data").GetString()!);
        Assert.Equal(values[0], Encoding.UTF8.GetString(current));
        for (var i = 1; i < 3; i++)
        {
            Assert.True(pubs[i].GetProperty("delta").GetBoolean());
            current = Gyre.Protocol.Delta.FossilDelta.Apply(current, Encoding.UTF8.GetBytes(pubs[i].GetProperty("data").GetString()!));
            Assert.Equal(values[i], Encoding.UTF8.GetString(current));
        }

        var history = (await c.RequestAsync(5, "history", """{"channel":"d:x","limit":-1}""")).GetProperty("history").GetProperty("publications");
        Assert.All(history.EnumerateArray(), p => Assert.False(p.TryGetProperty("delta", out _)));
    }
}

public sealed class TagsFilterTests
{
    private static readonly ChannelOptions Filtered = new()
    {
        AllowSubscribeForClient = true,
        AllowTagsFilter = true,
        HistorySize = 100,
        HistoryTtl = TimeSpan.FromMinutes(5),
        ForceRecovery = true,
    };

    [Fact]
    public async Task SubscriberReceivesOnlyPublicationsWhoseTagsMatchAndKeepsItsPosition()
    {
        await using var h = new Harness(o => o with { Channels = o.Channels with { Namespaces = [new ChannelNamespace("t", Filtered), new ChannelNamespace("n", Filtered with { AllowTagsFilter = false })] } });
        var c = await h.ConnectedAsync();
        var filter = """{"op":"or","nodes":[{"key":"kind","cmp":"eq","val":"goal"},{"key":"minute","cmp":"gt","val":"80"}]}""";
        Assert.True((await c.RequestAsync(2, "subscribe", $$$"""{"channel":"t:m","tf":{{{filter}}}}""")).TryGetProperty("subscribe", out _));
        foreach (var (kind, minute) in new[] { ("foul", "10"), ("goal", "12"), ("card", "85"), ("foul", "50") })
        {
            await h.Node.PublishAsync("t:m", Encoding.UTF8.GetBytes($$$"""{"kind":"{{{kind}}}"}"""), Filtered, tags: new Dictionary<string, string> { ["kind"] = kind, ["minute"] = minute });
        }

        await h.Node.PublishAsync("t:m", "\"last\""u8.ToArray(), Filtered, tags: new Dictionary<string, string> { ["kind"] = "goal" });
        var offsets = new List<ulong>();
        for (var i = 0; i < 3; i++)
        {
            offsets.Add((await c.NextJsonAsync()).GetProperty("push").GetProperty("pub").GetProperty("offset").GetUInt64());
        }

        // Offsets 1 and 4 were filtered out, yet no gap was reported: the position still advanced past them.
        Assert.Equal([2ul, 3ul, 5ul], offsets);
        Assert.False(c.Transport.TryNext(out _));

        Assert.Equal(107u, (await c.RequestAsync(3, "subscribe", """{"channel":"n:m","tf":{"key":"k","cmp":"eq","val":"v"}}""")).GetProperty("error").GetProperty("code").GetUInt32());
        Assert.Equal(107u, (await c.RequestAsync(4, "subscribe", """{"channel":"t:x","tf":{"key":"k","cmp":"in","val":"v"}}""")).GetProperty("error").GetProperty("code").GetUInt32());
    }

    [Theory]
    [InlineData("""{"key":"a","cmp":"ex"}""", true)]
    [InlineData("""{"key":"zz","cmp":"nex"}""", true)]
    [InlineData("""{"key":"a","cmp":"in","vals":["x","1"]}""", true)]
    [InlineData("""{"key":"a","cmp":"lte","val":"0.5"}""", false)]
    [InlineData("""{"op":"not","nodes":[{"key":"b","cmp":"sw","val":"he"}]}""", false)]
    [InlineData("""{"op":"and","nodes":[{"key":"b","cmp":"ct","val":"ll"},{"key":"b","cmp":"ew","val":"lo"}]}""", true)]
    public void FilterMatchesLikeCentrifugo(string json, bool expected)
    {
        var filter = Gyre.Protocol.Json.ProtoJson.Parse(Encoding.UTF8.GetBytes(json), FilterNode.Parser);
        Assert.True(TagsFilter.IsValid(filter));
        Assert.Equal(expected, TagsFilter.Matches(filter, new Dictionary<string, string> { ["a"] = "1", ["b"] = "hello" }));
    }
}
