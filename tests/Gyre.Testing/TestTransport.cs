using System.Text;
using System.Threading.Channels;
using Gyre.Core;
using Gyre.Core.Errors;
using Gyre.Protocol;

namespace Gyre.Testing;

/// <summary>
/// An in-memory transport for Core tests: records every frame the client's writer produces, split into
/// messages, and the disconnect it closes with. Tests await messages instead of sleeping.
/// </summary>
public sealed class TestTransport : ITransport
{
    private readonly Channel<string> _messages = Channel.CreateUnbounded<string>();
    private readonly TaskCompletionSource<Disconnect> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _frames;
    private int _largestFrame;

    public TestTransport(ProtocolType protocol = ProtocolType.Json) => Protocol = protocol;

    public string Name => "test";

    public ProtocolType Protocol { get; }

    /// <summary>Frames written so far (a frame may hold several messages).</summary>
    public int Frames => Volatile.Read(ref _frames);

    /// <summary>Bytes in the largest frame written so far.</summary>
    public int LargestFrame => Volatile.Read(ref _largestFrame);

    /// <summary>Completes with the disconnect the client closed with.</summary>
    public Task<Disconnect> Closed => _closed.Task;

    /// <summary>When set, writes throw (to exercise 3009).</summary>
    public bool FailWrites { get; set; }

    /// <summary>When set, writes wait on this task first (to build up a queue).</summary>
    public Task? WriteGate { get; set; }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> frame)
    {
        if (WriteGate is { } gate)
        {
            await gate.ConfigureAwait(false);
        }

        if (FailWrites)
        {
            throw new IOException("test write failure");
        }

        Interlocked.Increment(ref _frames);
        if (frame.Length > _largestFrame)
        {
            Volatile.Write(ref _largestFrame, frame.Length);
        }

        foreach (var line in Encoding.UTF8.GetString(frame.Span).Split('\n'))
        {
            _messages.Writer.TryWrite(line);
        }
    }

    public ValueTask CloseAsync(Disconnect disconnect)
    {
        _closed.TrySetResult(disconnect);
        _messages.Writer.TryComplete();
        return default;
    }

    /// <summary>The next message the client sent, waiting up to the default timeout.</summary>
    public async Task<string> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        return await _messages.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
    }

    /// <summary>True if a message is already waiting; used to assert that nothing was sent.</summary>
    public bool TryNext(out string? message) => _messages.Reader.TryRead(out message);
}
