using System.Text;
using Gyre.LoadTest.Clients;

namespace Gyre.LoadTest.Adapters;

/// <summary>
/// Centrifugo v6 Protobuf protocol (subprotocol <c>centrifuge-protobuf</c>, binary frames, each message
/// prefixed by its varint length). Commands are encoded by hand from client.proto field numbers:
/// Command.id=1, connect=4 (ConnectRequest.token=1), subscribe=5 (SubscribeRequest.channel=1),
/// rpc=13 (RPCRequest.data=1, method=2); Reply.id=1, error=2. The server ping is an empty message (0x00) and
/// the pong likewise. Publication data published as JSON over the HTTP API arrives as those same bytes.
/// </summary>
internal sealed class CentrifugoProtobufAdapter(Func<int, string> tokenFor) : ProtocolAdapter
{
    public override string Name => "centrifugo-protobuf";

    public override string Path => "/connection/websocket";

    public override string? Subprotocol => "centrifuge-protobuf";

    public override async Task HandshakeAsync(Connection connection, string channel, CancellationToken ct)
    {
        var token = Encoding.UTF8.GetBytes(tokenFor(connection.Index));
        connection.SendBinary(Command(1, 4, token));
        await ExpectReplyAsync(connection, 1, ct).ConfigureAwait(false);
        connection.SendBinary(Command(2, 5, Encoding.UTF8.GetBytes(channel)));
        await ExpectReplyAsync(connection, 2, ct).ConfigureAwait(false);
    }

    /// <summary>Command{id, field: {1: value}} with its length prefix.</summary>
    private static byte[] Command(uint id, int field, byte[] value)
    {
        var w = new SpanWriter(stackalloc byte[value.Length + 32]);
        var inner = 1 + VarintSize((ulong)value.Length) + value.Length;
        var body = 1 + VarintSize(id) + 1 + VarintSize((ulong)inner) + inner;
        w.WriteVarint((ulong)body);
        w.WriteByte(0x08);
        w.WriteVarint(id);
        w.WriteByte((byte)((field << 3) | 2));
        w.WriteVarint((ulong)inner);
        w.WriteByte(0x0A);
        w.WriteVarint((ulong)value.Length);
        w.Write(value);
        return w.Written.ToArray();
    }

    private static async Task ExpectReplyAsync(Connection connection, uint id, CancellationToken ct)
    {
        while (true)
        {
            var (_, payload) = await connection.ReadMessageAsync(ct).ConfigureAwait(false);
            ReadOnlySpan<byte> rest = payload;
            while (rest.Length > 0)
            {
                var length = (int)ReadVarint(ref rest);
                var message = rest[..length];
                rest = rest[length..];
                if (message.Length > 1 && message[0] == 0x08)
                {
                    ReadOnlySpan<byte> m = message[1..];
                    if (ReadVarint(ref m) == id)
                    {
                        if (m.Length > 0 && m[0] == 0x12)
                        {
                            throw new IOException($"command {id} refused");
                        }

                        return;
                    }
                }
            }
        }
    }

    public override void OnMessage(Connection connection, int opcode, ReadOnlySpan<byte> payload, long now)
    {
        var rest = payload;
        while (rest.Length > 0)
        {
            var length = (int)ReadVarint(ref rest);
            if (length > rest.Length)
            {
                return;
            }

            var message = rest[..length];
            rest = rest[length..];
            if (length == 0)
            {
                connection.SendBinary([0x00]);
            }
            else if (message[0] == 0x08)
            {
                var m = message[1..];
                CompleteEcho(connection, (long)ReadVarint(ref m), now);
            }
            else
            {
                Deliveries.Scan(connection, message, now);
            }
        }
    }

    public override void SendEcho(Connection connection, uint id, ReadOnlySpan<byte> data)
    {
        // Command{1: id, 13: RPCRequest{1: data, 2: "ping"}}
        var rpc = 1 + VarintSize((ulong)data.Length) + data.Length + 2 + 4;
        var body = 1 + VarintSize(id) + 1 + VarintSize((ulong)rpc) + rpc;
        var w = new SpanWriter(stackalloc byte[body + 8]);
        w.WriteVarint((ulong)body);
        w.WriteByte(0x08);
        w.WriteVarint(id);
        w.WriteByte((13 << 3) | 2);
        w.WriteVarint((ulong)rpc);
        w.WriteByte(0x0A);
        w.WriteVarint((ulong)data.Length);
        w.Write(data);
        w.WriteByte(0x12);
        w.WriteByte(4);
        w.Write("ping"u8);
        connection.SendBinary(w.Written);
    }

    private static int VarintSize(ulong value)
    {
        var n = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            n++;
        }

        return n;
    }

    private static ulong ReadVarint(ref ReadOnlySpan<byte> span)
    {
        ulong value = 0;
        var shift = 0;
        var i = 0;
        while (i < span.Length)
        {
            var b = span[i++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                break;
            }

            shift += 7;
        }

        span = span[i..];
        return value;
    }
}
