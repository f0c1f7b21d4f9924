using Gyre.Core.Channels;
using Gyre.Testing;

namespace Gyre.Core.Tests;

public sealed class ClientWriterTests
{
    [Fact]
    public async Task QueuedMessagesAreCoalescedIntoOneFrameOfAtMostSixteen()
    {
        await using var h = new Harness();
        var c = await h.ConnectedAsync();
        await c.RequestAsync(2, "subscribe", """{"channel":"news"}""");
        var framesBefore = c.Transport.Frames;
        var gate = new TaskCompletionSource();
        c.Transport.WriteGate = gate.Task;

        // The first publication occupies the writer at the gate; the next 20 queue behind it.
        for (var i = 0; i < 21; i++)
        {
            await h.Node.PublishAsync("news", System.Text.Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), ChannelOptions.Default);
        }

        gate.SetResult();
        for (var i = 0; i < 21; i++)
        {
            Assert.Equal($$$$"""{"push":{"channel":"news","pub":{"data":{{{{i}}}}}}}""", await c.NextAsync());
        }

        // Without coalescing this would be 21 frames; with at most 16 per frame it is 2 or 3 (1 + 16 + 4 when the
        // writer was idle when the first one arrived).
        Assert.InRange(c.Transport.Frames - framesBefore, 2, 3);
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
