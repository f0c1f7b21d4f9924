using Gyre.Core.Channels;
using Gyre.Testing;

namespace Gyre.Core.Tests;

public sealed class ClientWriterTests
{
    [Fact]
    public async Task EverythingQueuedIsCoalescedIntoOneFrameByDefault()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync();
        var framesBefore = await QueueBehindGateAsync(h, c, 41, i => i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        for (var i = 0; i < 41; i++)
        {
            Assert.Equal($$$$"""{"push":{"channel":"news","pub":{"data":{{{{i}}}}}}}""", await c.NextAsync());
        }

        // Without coalescing this would be 41 frames. The writer takes what is queued when it wakes (at least the
        // first publication) and waits at the gate; everything else then goes in one more frame.
        Assert.InRange(c.Transport.Frames - framesBefore, 1, 2);
    }

    [Fact]
    public async Task MaxMessagesInFrameCapsCoalescing()
    {
        await using var h = new Harness(o => o with { Client = o.Client with { MaxMessagesInFrame = 16 } });
        var c = await h.ConnectedAsync();
        var framesBefore = await QueueBehindGateAsync(h, c, 21, i => i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        for (var i = 0; i < 21; i++)
        {
            await c.NextAsync();
        }

        // 1 at the gate, then 16 + 4; or 16 at the gate (all queued before the writer woke), then 5.
        Assert.InRange(c.Transport.Frames - framesBefore, 2, 3);
    }

    [Fact]
    public async Task CoalescedFramesStayWithinSixtyFourKilobytes()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync();

        // Pushes of ~20 KB: three fit in 64 KB, a fourth would not.
        var text = new string('x', 20_000);
        var framesBefore = await QueueBehindGateAsync(h, c, 10, _ => "\"" + text + "\"");
        for (var i = 0; i < 10; i++)
        {
            Assert.Contains(text, await c.NextAsync(), StringComparison.Ordinal);
        }

        Assert.InRange(c.Transport.LargestFrame, 40_000, ClientWriter.MaxCoalescedFrameBytes);

        // k ≤ 3 at the gate, then 10 - k in groups of at most 3: 4 frames whatever k is.
        Assert.Equal(4, c.Transport.Frames - framesBefore);
    }

    [Fact]
    public async Task AMessageLargerThanTheFrameBudgetIsWrittenWhole()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync();
        var text = new string('y', 100_000);
        await QueueBehindGateAsync(h, c, 3, i => i == 1 ? "\"" + text + "\"" : "1");
        Assert.Equal("""{"push":{"channel":"news","pub":{"data":1}}}""", await c.NextAsync());
        Assert.Contains(text, await c.NextAsync(), StringComparison.Ordinal);
        Assert.Equal("""{"push":{"channel":"news","pub":{"data":1}}}""", await c.NextAsync());
        Assert.True(c.Transport.LargestFrame > 100_000);
    }

    /// <summary>
    /// Subscribes to <c>news</c>, holds the writer at a gate and publishes <paramref name="count"/> JSON payloads: the
    /// first occupies the writer, the rest queue behind it. Returns the frame count before the first.
    /// </summary>
    private static async Task<int> QueueBehindGateAsync(Harness h, TestClient c, int count, Func<int, string> payload)
    {
        await c.RequestAsync(2, "subscribe", """{"channel":"news"}""");
        var framesBefore = c.Transport.Frames;
        var gate = new TaskCompletionSource();
        c.Transport.WriteGate = gate.Task;
        for (var i = 0; i < count; i++)
        {
            await h.Node.PublishAsync("news", System.Text.Encoding.UTF8.GetBytes(payload(i)), ChannelOptions.Default);
        }

        gate.SetResult();
        return framesBefore;
    }

    [Fact]
    public async Task ClientWhoseQueueOverflowsIsDisconnectedAsSlow()
    {
        await using var h = new Harness(o => o with { Client = o.Client with { QueueMaxSize = 1000 } });
        var c = await h.ConnectedAsync();
        await c.RequestAsync(2, "subscribe", """{"channel":"news"}""");
        c.Transport.WriteGate = new TaskCompletionSource().Task;
        var payload = System.Text.Encoding.UTF8.GetBytes("\"" + new string('x', 200) + "\"");
        for (var i = 0; i < 10; i++)
        {
            await h.Node.PublishAsync("news", payload, ChannelOptions.Default);
        }

        await WaitUntilAsync(() => c.Client.IsClosed);
        Assert.Equal(0, h.Node.Stats().Clients);
    }

    [Fact]
    public async Task FailedWriteDisconnectsWithWriteError()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync();
        await c.RequestAsync(2, "subscribe", """{"channel":"news"}""");
        c.Transport.FailWrites = true;
        await h.Node.PublishAsync("news", "1"u8.ToArray(), ChannelOptions.Default);
        Assert.Equal(3009u, await c.ClosedWithAsync());
    }

    [Fact]
    public async Task ServerDisconnectFlushesQueuedRepliesBeforeTheCloseFrame()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync();
        await c.RequestAsync(2, "subscribe", """{"channel":"news"}""");
        await h.Node.PublishAsync("news", "1"u8.ToArray(), ChannelOptions.Default);
        await c.Client.CloseAsync(Errors.Disconnect.ForceReconnect);
        Assert.Equal("""{"push":{"channel":"news","pub":{"data":1}}}""", await c.NextAsync());
        Assert.Equal(3011u, await c.ClosedWithAsync());
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        while (!condition())
        {
            await Task.Yield();
            timeout.Token.ThrowIfCancellationRequested();
        }
    }
}
