using System.Text;
using Gyre.LoadTest.Clients;

namespace Gyre.LoadTest.Adapters;

/// <summary>
/// Socket.IO v4 over Engine.IO v4, WebSocket transport only (no polling upgrade): open packet <c>0{…}</c>,
/// namespace connect <c>40</c>, subscribe = event <c>420["subscribe",channel]</c> with ack <c>430[…]</c>,
/// broadcasts arrive as <c>42["m",payload]</c>, Engine.IO ping <c>2</c> answered with <c>3</c>, echo = event
/// <c>42N["echo",payload]</c> acknowledged by <c>43N[]</c>.
/// </summary>
internal sealed class SocketIoAdapter : ProtocolAdapter
{
    private static readonly byte[] Pong = "3"u8.ToArray();

    public override string Name => "socketio";

    public override string Path => "/socket.io/?EIO=4&transport=websocket";

    public override async Task HandshakeAsync(Connection connection, string channel, CancellationToken ct)
    {
        var (_, open) = await connection.ReadMessageAsync(ct).ConfigureAwait(false);
        if (open.Length == 0 || open[0] != (byte)'0')
        {
            throw new IOException("no Engine.IO open packet");
        }

        connection.SendText("40");
        await ExpectAsync(connection, "40", ct).ConfigureAwait(false);
        connection.SendText($"420[\"subscribe\",\"{channel}\"]");
        await ExpectAsync(connection, "430", ct).ConfigureAwait(false);
    }

    private static async Task ExpectAsync(Connection connection, string prefix, CancellationToken ct)
    {
        while (true)
        {
            var (_, payload) = await connection.ReadMessageAsync(ct).ConfigureAwait(false);
            var text = Encoding.UTF8.GetString(payload);
            if (text == "2")
            {
                connection.SendText(Pong);
            }
            else if (text.StartsWith("44", StringComparison.Ordinal))
            {
                throw new IOException("refused: " + text);
            }
            else if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                return;
            }
        }
    }

    public override void OnMessage(Connection connection, int opcode, ReadOnlySpan<byte> payload, long now)
    {
        if (payload.Length == 1 && payload[0] == (byte)'2')
        {
            connection.SendText(Pong);
            return;
        }

        if (payload.StartsWith("43"u8))
        {
            var digits = payload[2..];
            CompleteEcho(connection, Deliveries.ReadNumber(ref digits), now);
            return;
        }

        Deliveries.Scan(connection, payload, now);
    }

    public override void SendEcho(Connection connection, uint id, ReadOnlySpan<byte> data)
    {
        var w = new SpanWriter(stackalloc byte[data.Length + 48]);
        w.Write("42"u8);
        w.Write(id);
        w.Write("[\"echo\","u8);
        w.Write(data);
        w.WriteByte((byte)']');
        connection.SendText(w.Written);
    }
}
