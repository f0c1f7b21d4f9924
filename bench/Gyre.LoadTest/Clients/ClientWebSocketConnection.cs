using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;

namespace Gyre.LoadTest.Clients;

/// <summary>
/// The alternative client, <see cref="ClientWebSocket"/>, kept only to measure which client costs less per
/// delivery (<c>--client cws</c>, raw protocol only). It receives one message per await, where
/// <see cref="Connection"/> parses every frame a socket read returned.
/// </summary>
internal sealed class ClientWebSocketConnection : IDisposable
{
    private readonly ClientWebSocket _socket = new();

    public SequenceTracker Sequence;

    public bool Closed { get; private set; }

    public async Task OpenAsync(Uri uri, string channel, CancellationToken ct)
    {
        _socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await _socket.ConnectAsync(uri, ct).ConfigureAwait(false);
        await _socket.SendAsync(Encoding.UTF8.GetBytes("s " + channel), WebSocketMessageType.Text, true, ct).ConfigureAwait(false);
        var buffer = new byte[64];
        var r = await _socket.ReceiveAsync(buffer, ct).ConfigureAwait(false);
        if (Encoding.UTF8.GetString(buffer, 0, r.Count) != "ok")
        {
            throw new IOException("subscribe refused");
        }
    }

    public async Task ReceiveLoopAsync()
    {
        try
        {
            while (true)
            {
                await _socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
                var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
                try
                {
                    var r = await _socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None).ConfigureAwait(false);
                    if (r.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }

                    Deliveries.Scan(ref Sequence, buffer.AsSpan(0, r.Count), Stopwatch.GetTimestamp());
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            Closed = true;
        }
    }

    public void Dispose()
    {
        Closed = true;
        _socket.Abort();
        _socket.Dispose();
    }
}
