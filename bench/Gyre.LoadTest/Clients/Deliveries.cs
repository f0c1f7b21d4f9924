namespace Gyre.LoadTest.Clients;

/// <summary>
/// Finds broadcast payloads in any peer's frames without parsing the protocol around them. Every published
/// payload is a JSON object that starts <c>{"q":SEQ,"t":TICKS,</c> (sequence number and scheduled send time
/// in <see cref="System.Diagnostics.Stopwatch"/> ticks, the same monotonic clock in every process on the
/// box), so one vectorised search per message gives the same decode cost for every peer.
/// </summary>
internal static class Deliveries
{
    private static ReadOnlySpan<byte> Marker => "{\"q\":"u8;

    /// <summary>Counts every payload in <paramref name="frame"/>; returns how many were found.</summary>
    public static int Scan(Connection connection, ReadOnlySpan<byte> frame, long now) => Scan(ref connection.Sequence, frame, now);

    /// <summary>Counts every payload in <paramref name="frame"/> into <paramref name="sequence"/>.</summary>
    public static int Scan(ref SequenceTracker sequence, ReadOnlySpan<byte> frame, long now)
    {
        var found = 0;
        while (true)
        {
            var at = frame.IndexOf(Marker);
            if (at < 0)
            {
                return found;
            }

            frame = frame[(at + Marker.Length)..];
            var seq = ReadNumber(ref frame);
            // Expect ,"t":
            if (frame.Length < 5 || frame[0] != (byte)',' || frame[2] != (byte)'t')
            {
                continue;
            }

            frame = frame[5..];
            var ticks = ReadNumber(ref frame);
            sequence.Observe(seq);
            LatencyRecorder.Record(ticks, now);
            found++;
        }
    }

    /// <summary>Reads an unsigned decimal number and advances past it.</summary>
    public static long ReadNumber(ref ReadOnlySpan<byte> span)
    {
        long value = 0;
        var i = 0;
        while (i < span.Length && (uint)(span[i] - '0') <= 9)
        {
            value = (value * 10) + (span[i] - '0');
            i++;
        }

        span = span[i..];
        return value;
    }
}
