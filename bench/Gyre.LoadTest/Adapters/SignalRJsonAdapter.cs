using System.Text;
using Gyre.LoadTest.Clients;

namespace Gyre.LoadTest.Adapters;

/// <summary>
/// ASP.NET Core SignalR, JSON hub protocol, WebSocket transport with negotiation skipped: handshake
/// <c>{"protocol":"json","version":1}\x1e</c>, hub method <c>Subscribe(channel)</c> adds the connection to a
/// group, broadcasts arrive as <c>{"type":1,"target":"m","arguments":[payload]}</c>, echo = hub method
/// <c>Echo(payload)</c> answered by a completion. The client pings every 15 s because the server drops a
/// client silent for 30 s.
/// </summary>
internal sealed class SignalRJsonAdapter : ProtocolAdapter
{
    private const byte RecordSeparator = 0x1E;
    private static readonly byte[] Ping = "{\"type\":6}\u001e"u8.ToArray();

    public override string Name => "signalr-json";

    public override string Path => "/hub";

    public override TimeSpan KeepAliveInterval => TimeSpan.FromSeconds(15);

    public override async Task HandshakeAsync(Connection connection, string channel, CancellationToken ct)
    {
        connection.SendText("{\"protocol\":\"json\",\"version\":1}\u001e");
        var (_, handshake) = await connection.ReadMessageAsync(ct).ConfigureAwait(false);
        var text = Encoding.UTF8.GetString(handshake);
        if (text.Contains("\"error\"", StringComparison.Ordinal))
        {
            throw new IOException("handshake refused: " + text);
        }

        connection.SendText($"{{\"type\":1,\"invocationId\":\"1\",\"target\":\"Subscribe\",\"arguments\":[\"{channel}\"]}}\u001e");
        while (true)
        {
            var (_, payload) = await connection.ReadMessageAsync(ct).ConfigureAwait(false);
            foreach (var record in Encoding.UTF8.GetString(payload).Split('\u001e', StringSplitOptions.RemoveEmptyEntries))
            {
                if (record.Contains("\"type\":3", StringComparison.Ordinal) && record.Contains("\"invocationId\":\"1\"", StringComparison.Ordinal))
                {
                    if (record.Contains("\"error\"", StringComparison.Ordinal))
                    {
                        throw new IOException("subscribe refused: " + record);
                    }

                    return;
                }
            }
        }
    }

    public override void OnMessage(Connection connection, int opcode, ReadOnlySpan<byte> payload, long now)
    {
        if (Deliveries.Scan(connection, payload, now) > 0)
        {
            return;
        }

        var rest = payload;
        while (rest.Length > 0)
        {
            var end = rest.IndexOf(RecordSeparator);
            var record = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            var at = record.IndexOf("\"invocationId\":\""u8);
            if (record.StartsWith("{\"type\":3"u8) && at >= 0)
            {
                var digits = record[(at + 16)..];
                CompleteEcho(connection, Deliveries.ReadNumber(ref digits), now);
            }
        }
    }

    public override void SendEcho(Connection connection, uint id, ReadOnlySpan<byte> data)
    {
        var w = new SpanWriter(stackalloc byte[data.Length + 96]);
        w.Write("{\"type\":1,\"invocationId\":\""u8);
        w.Write(id);
        w.Write("\",\"target\":\"Echo\",\"arguments\":["u8);
        w.Write(data);
        w.Write("]}"u8);
        w.WriteByte(RecordSeparator);
        connection.SendText(w.Written);
    }

    public override void KeepAlive(Connection connection) => connection.SendText(Ping);
}
