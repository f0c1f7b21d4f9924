namespace Gyre.Core.Engine;

/// <summary>
/// A position in a channel's publication stream. Offsets start at 1 and grow by one per publication with
/// history; the epoch names the stream instance and changes whenever the stream is recreated (restart,
/// history loss), which makes every older position unrecoverable.
/// </summary>
/// <param name="Offset">Offset of the last publication; 0 for an empty stream or a channel without history.</param>
/// <param name="Epoch">Stream instance id; empty for a channel without history.</param>
public readonly record struct StreamPosition(ulong Offset, string Epoch)
{
    /// <summary>No position: a channel without history.</summary>
    public static StreamPosition None { get; } = new(0, "");
}
