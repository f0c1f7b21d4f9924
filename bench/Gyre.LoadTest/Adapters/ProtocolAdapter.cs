using Gyre.LoadTest.Clients;

namespace Gyre.LoadTest.Adapters;

/// <summary>
/// What differs between peers on the wire: the WebSocket path, the connect/subscribe handshake, keep-alive
/// duties, and how an echo command and its answer look. Broadcast payloads are found by
/// <see cref="Deliveries.Scan"/> for every peer alike.
/// </summary>
internal abstract class ProtocolAdapter
{
    /// <summary>Size of the per-connection ring of scheduled echo times (more in flight than this is a loss).</summary>
    public const int EchoRing = 4096;

    public abstract string Name { get; }

    /// <summary>Path and query of the WebSocket endpoint.</summary>
    public abstract string Path { get; }

    public virtual string? Subprotocol => null;

    /// <summary>Connects (authenticating where the protocol does) and subscribes <paramref name="channel"/>; throws on refusal.</summary>
    public abstract Task HandshakeAsync(Connection connection, string channel, CancellationToken ct);

    /// <summary>Handles one server message after the handshake.</summary>
    public abstract void OnMessage(Connection connection, int opcode, ReadOnlySpan<byte> payload, long now);

    /// <summary>Sends echo command <paramref name="id"/> carrying <paramref name="data"/> (a JSON object).</summary>
    public abstract void SendEcho(Connection connection, uint id, ReadOnlySpan<byte> data);

    /// <summary>Client-side keep-alive, called every few seconds for protocols whose server expects client traffic.</summary>
    public virtual void KeepAlive(Connection connection)
    {
    }

    public virtual TimeSpan KeepAliveInterval => TimeSpan.Zero;

    /// <summary>Completes echo <paramref name="id"/>: latency from its scheduled time.</summary>
    protected static void CompleteEcho(Connection connection, long id, long now)
    {
        var ring = connection.EchoSchedule;
        if (ring is null)
        {
            return;
        }

        var slot = (int)(id & (EchoRing - 1));
        var scheduled = ring[slot];
        if (scheduled == 0)
        {
            return;
        }

        ring[slot] = 0;
        connection.EchoCompleted++;
        LatencyRecorder.Record(scheduled, now);
    }

    public static ProtocolAdapter Create(string name, Func<int, string> tokenFor) => name switch
    {
        "centrifugo-json" => new CentrifugoJsonAdapter(tokenFor),
        "centrifugo-protobuf" => new CentrifugoProtobufAdapter(tokenFor),
        "signalr-json" => new SignalRJsonAdapter(),
        "socketio" => new SocketIoAdapter(),
        "raw" => new RawAdapter(),
        _ => throw new ArgumentException($"unknown protocol '{name}'"),
    };
}
