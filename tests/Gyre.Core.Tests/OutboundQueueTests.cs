using Gyre.Core.Internal;

namespace Gyre.Core.Tests;

public sealed class OutboundQueueTests
{
    private static ReadOnlyMemory<byte> Message(int n) => new[] { (byte)n };

    [Fact]
    public void MessagesComeOutInOrderAcrossGrowthAndWrapAround()
    {
        var queue = new OutboundQueue();
        var expected = 0;
        var next = 0;
        for (var round = 0; round < 50; round++)
        {
            // Write 7, read 5: the ring wraps and grows while it holds a backlog.
            for (var i = 0; i < 7; i++)
            {
                Assert.True(queue.TryWrite(Message(next++)));
            }

            for (var i = 0; i < 5; i++)
            {
                Assert.True(queue.TryRead(out var message));
                Assert.Equal((byte)expected++, message.Span[0]);
            }
        }

        while (queue.TryRead(out var message))
        {
            Assert.Equal((byte)expected++, message.Span[0]);
        }

        Assert.Equal(next, expected);
        Assert.False(queue.HasMessages);
    }

    [Fact]
    public async Task AWaitingReaderWakesForAWriteFromAnotherThread()
    {
        var queue = new OutboundQueue();
        var waiting = queue.WaitToReadAsync();
        Assert.False(waiting.IsCompleted);

        await Task.Run(() => queue.TryWrite(Message(1)));

        Assert.True(await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(queue.TryRead(out var message));
        Assert.Equal(1, message.Span[0]);

        // The source is reused: a second wait works the same way.
        var again = queue.WaitToReadAsync();
        Assert.False(again.IsCompleted);
        queue.TryWrite(Message(2));
        Assert.True(await again.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task CompletionDrainsWhatIsQueuedThenEndsTheReader()
    {
        var queue = new OutboundQueue();
        queue.TryWrite(Message(1));
        queue.Complete();

        Assert.False(queue.TryWrite(Message(2)));
        Assert.True(await queue.WaitToReadAsync());
        Assert.True(queue.TryRead(out _));
        Assert.False(await queue.WaitToReadAsync());
    }

    [Fact]
    public async Task CompletionWakesAWaitingReader()
    {
        var queue = new OutboundQueue();
        var waiting = queue.WaitToReadAsync();

        queue.Complete();

        Assert.True(await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(queue.TryRead(out _));
        Assert.False(await queue.WaitToReadAsync());
    }

    [Fact]
    public async Task ManyWritersOneReaderLoseNothing()
    {
        var queue = new OutboundQueue();
        const int writers = 4;
        const int perWriter = 10_000;
        var reader = Task.Run(async () =>
        {
            var seen = 0;
            while (await queue.WaitToReadAsync())
            {
                while (queue.TryRead(out _))
                {
                    seen++;
                }
            }

            return seen;
        });

        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                queue.TryWrite(Message(i));
            }
        })));
        queue.Complete();

        Assert.Equal(writers * perWriter, await reader.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
