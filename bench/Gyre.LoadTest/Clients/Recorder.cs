using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;

namespace Gyre.LoadTest.Clients;

/// <summary>
/// Latency recording without locks: each receiving thread owns an HDR histogram (µs, 1 µs..120 s, 3 digits);
/// snapshots and resets happen between measurement steps, when nothing is being recorded.
/// </summary>
internal static class LatencyRecorder
{
    private const long HighestMicros = 120_000_000;
    private static readonly ConcurrentBag<LongHistogram> All = [];

    [ThreadStatic]
    private static LongHistogram? _histogram;

    private static readonly double MicrosPerTick = 1_000_000.0 / Stopwatch.Frequency;

    /// <summary>Records the time from the scheduled send (<paramref name="scheduledTicks"/>) to <paramref name="now"/>.</summary>
    public static void Record(long scheduledTicks, long now)
    {
        var histogram = _histogram ??= Create();
        var micros = (long)((now - scheduledTicks) * MicrosPerTick);
        histogram.RecordValue(Math.Clamp(micros, 1, HighestMicros));
    }

    public static LongHistogram NewHistogram() => new(HighestMicros, 3);

    /// <summary>All threads' recordings merged.</summary>
    public static LongHistogram Snapshot()
    {
        var merged = NewHistogram();
        foreach (var h in All)
        {
            merged.Add(h);
        }

        return merged;
    }

    public static void Reset()
    {
        foreach (var h in All)
        {
            h.Reset();
        }
    }

    private static LongHistogram Create()
    {
        var h = NewHistogram();
        All.Add(h);
        return h;
    }
}
