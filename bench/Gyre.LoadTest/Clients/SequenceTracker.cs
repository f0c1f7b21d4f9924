namespace Gyre.LoadTest.Clients;

/// <summary>
/// Per-connection delivery accounting for one ordered publication stream: in-order, gaps, duplicates and
/// reordering, using the last sequence seen and a 64-entry bitmap behind it.
/// </summary>
internal struct SequenceTracker
{
    public long Last;
    public ulong Seen;
    public long Received;
    public long Duplicates;
    public long Reordered;

    /// <summary>Records one delivery of <paramref name="seq"/>.</summary>
    public void Observe(long seq)
    {
        if (seq > Last)
        {
            var shift = seq - Last;
            Seen = shift >= 64 ? 1UL : (Seen << (int)shift) | 1UL;
            Last = seq;
            Received++;
            return;
        }

        var back = Last - seq;
        if (back < 64)
        {
            var bit = 1UL << (int)back;
            if ((Seen & bit) != 0)
            {
                Duplicates++;
                return;
            }

            Seen |= bit;
        }

        Received++;
        Reordered++;
    }

    /// <summary>Zeroes the counters but keeps the position, so the stream continues across measurement steps.</summary>
    public void ResetCounters()
    {
        Received = 0;
        Duplicates = 0;
        Reordered = 0;
    }
}
