using Gyre.Protocol.Messages;

namespace Gyre.Core.Engine.Memory;

/// <summary>One channel's history in memory: a bounded queue of publications with offsets, plus epoch and top offset.</summary>
internal sealed class MemoryHistoryStream
{
    private readonly Queue<(Publication Publication, DateTimeOffset Expires)> _items = new();
    private DateTimeOffset _metaExpires;
    private ulong _top;

    public MemoryHistoryStream(DateTimeOffset now, TimeSpan metaTtl)
    {
        Epoch = NewEpoch();
        _metaExpires = metaTtl > TimeSpan.Zero ? now + metaTtl : DateTimeOffset.MaxValue;
    }

    public string Epoch { get; }

    public bool MetaExpired(DateTimeOffset now) => now >= _metaExpires;

    /// <summary>Top offset and epoch.</summary>
    public StreamPosition Top => new(_top, Epoch);

    /// <summary>The highest publisher version appended (0: none) and its epoch.</summary>
    public (ulong Version, string Epoch) TopVersion { get; private set; } = (0, "");

    /// <summary>
    /// Centrifuge's rule: a versioned publication is stale when its version is not above the top one and its epoch
    /// is empty or the top one's.
    /// </summary>
    public bool IsStale(ulong version, string? epoch) =>
        version > 0 && TopVersion.Version > 0 && (string.IsNullOrEmpty(epoch) || epoch == TopVersion.Epoch) && version <= TopVersion.Version;

    /// <summary>Records the version of an appended publication.</summary>
    public void NoteVersion(ulong version, string? epoch)
    {
        if (version > 0)
        {
            TopVersion = (version, epoch ?? "");
        }
    }

    public StreamPosition Append(Publication publication, DateTimeOffset now, int size, TimeSpan ttl, TimeSpan metaTtl)
    {
        _top++;
        publication.Offset = _top;
        _items.Enqueue((publication, now + ttl));
        while (_items.Count > size)
        {
            _items.Dequeue();
        }

        Trim(now);
        if (metaTtl > TimeSpan.Zero)
        {
            _metaExpires = now + metaTtl;
        }

        return new StreamPosition(_top, Epoch);
    }

    public HistoryResult Read(HistoryOptions options, DateTimeOffset now)
    {
        Trim(now);
        var position = new StreamPosition(_top, Epoch);
        if (options.Limit == 0)
        {
            return new HistoryResult([], position);
        }

        IEnumerable<Publication> selected = _items.Select(i => i.Publication);
        if (options.Since is { } since)
        {
            selected = options.Reverse
                ? selected.Where(p => p.Offset < since.Offset)
                : selected.Where(p => p.Offset > since.Offset);
        }

        if (options.Reverse)
        {
            selected = selected.Reverse();
        }

        if (options.Limit > 0)
        {
            selected = selected.Take(options.Limit);
        }

        return new HistoryResult([.. selected], position);
    }

    public void Clear() => _items.Clear();

    private void Trim(DateTimeOffset now)
    {
        while (_items.TryPeek(out var head) && head.Expires <= now)
        {
            _items.Dequeue();
        }
    }

    /// <summary>Eight letters, as Centrifuge's epochs: 52⁸ ≈ 5·10¹³ values make a collision across restarts negligible.</summary>
    private static string NewEpoch()
    {
        const string Letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        return string.Create(8, 0, static (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Letters[Random.Shared.Next(Letters.Length)];
            }
        });
    }
}
