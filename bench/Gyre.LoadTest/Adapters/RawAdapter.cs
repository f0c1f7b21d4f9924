using System.Text;
using Gyre.LoadTest.Clients;

namespace Gyre.LoadTest.Adapters;

/// <summary>
/// The bare protocol of the raw peers (raw Kestrel and ws): text <c>s CHANNEL</c> subscribes and is answered
/// <c>ok</c>; text <c>e ID PAYLOAD</c> is answered <c>a ID</c>; broadcasts are the published payload itself.
/// Keep-alive is WebSocket ping/pong frames, handled by <see cref="Connection"/>.
/// </summary>
internal sealed class RawAdapter : ProtocolAdapter
{
    public override string Name => "raw";

    public override string Path => "/ws";

    public override async Task HandshakeAsync(Connection connection, string channel, CancellationToken ct)
    {
        connection.SendText("s " + channel);
        var (_, reply) = await connection.ReadMessageAsync(ct).ConfigureAwait(false);
        if (Encoding.UTF8.GetString(reply) != "ok")
        {
            throw new IOException("subscribe refused");
        }
    }

    public override void OnMessage(Connection connection, int opcode, ReadOnlySpan<byte> payload, long now)
    {
        if (payload.StartsWith("a "u8))
        {
            var digits = payload[2..];
            CompleteEcho(connection, Deliveries.ReadNumber(ref digits), now);
            return;
        }

        Deliveries.Scan(connection, payload, now);
    }

    public override void SendEcho(Connection connection, uint id, ReadOnlySpan<byte> data)
    {
        var w = new SpanWriter(stackalloc byte[data.Length + 24]);
        w.Write("e "u8);
        w.Write(id);
        w.WriteByte((byte)' ');
        w.Write(data);
        connection.SendText(w.Written);
    }
}
