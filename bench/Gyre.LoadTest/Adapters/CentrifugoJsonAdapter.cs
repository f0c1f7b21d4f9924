using System.Text;
using Gyre.LoadTest.Clients;

namespace Gyre.LoadTest.Adapters;

/// <summary>
/// Centrifugo v6 JSON protocol: <c>{"id":1,"connect":{"token":…}}</c>, <c>{"id":2,"subscribe":{"channel":…}}</c>,
/// replies and pushes one JSON object per line, server ping <c>{}</c> answered with <c>{}</c>, echo = RPC
/// <c>ping</c> (Centrifugo's built-in in-process method).
/// </summary>
internal sealed class CentrifugoJsonAdapter(Func<int, string> tokenFor) : ProtocolAdapter
{
    private static readonly byte[] Pong = "{}"u8.ToArray();

    public override string Name => "centrifugo-json";

    public override string Path => "/connection/websocket";

    public override async Task HandshakeAsync(Connection connection, string channel, CancellationToken ct)
    {
        connection.SendText($"{{\"id\":1,\"connect\":{{\"token\":\"{tokenFor(connection.Index)}\"}}}}");
        await ExpectReplyAsync(connection, 1, ct).ConfigureAwait(false);
        connection.SendText($"{{\"id\":2,\"subscribe\":{{\"channel\":\"{channel}\"}}}}");
        await ExpectReplyAsync(connection, 2, ct).ConfigureAwait(false);
    }

    private static async Task ExpectReplyAsync(Connection connection, int id, CancellationToken ct)
    {
        while (true)
        {
            var (_, payload) = await connection.ReadMessageAsync(ct).ConfigureAwait(false);
            foreach (var line in Encoding.UTF8.GetString(payload).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.StartsWith($"{{\"id\":{id},", StringComparison.Ordinal))
                {
                    if (line.Contains("\"error\"", StringComparison.Ordinal))
                    {
                        throw new IOException("refused: " + line);
                    }

                    return;
                }
            }
        }
    }

    public override void OnMessage(Connection connection, int opcode, ReadOnlySpan<byte> payload, long now)
    {
        if (Deliveries.Scan(connection, payload, now) > 0 && payload.IndexOf("\n{}"u8) < 0 && !payload.StartsWith("{}"u8))
        {
            return;
        }

        var rest = payload;
        while (rest.Length > 0)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            if (line.SequenceEqual("{}"u8))
            {
                connection.SendText(Pong);
            }
            else if (line.StartsWith("{\"id\":"u8))
            {
                var digits = line[6..];
                CompleteEcho(connection, Deliveries.ReadNumber(ref digits), now);
            }
        }
    }

    public override void SendEcho(Connection connection, uint id, ReadOnlySpan<byte> data)
    {
        var w = new SpanWriter(stackalloc byte[data.Length + 64]);
        w.Write("{\"id\":"u8);
        w.Write(id);
        w.Write(",\"rpc\":{\"method\":\"ping\",\"data\":"u8);
        w.Write(data);
        w.Write("}}"u8);
        connection.SendText(w.Written);
    }
}
