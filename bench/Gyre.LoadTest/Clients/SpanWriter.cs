using System.Buffers.Text;

namespace Gyre.LoadTest.Clients;

/// <summary>Appends bytes and numbers to a span; for building small commands without allocating.</summary>
internal ref struct SpanWriter(Span<byte> buffer)
{
    private readonly Span<byte> _buffer = buffer;

    public int Length { get; private set; }

    public readonly ReadOnlySpan<byte> Written => _buffer[..Length];

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer[Length..]);
        Length += bytes.Length;
    }

    public void Write(long value)
    {
        Utf8Formatter.TryFormat(value, _buffer[Length..], out var written);
        Length += written;
    }

    public void WriteByte(byte value) => _buffer[Length++] = value;

    /// <summary>Protobuf base-128 varint.</summary>
    public void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer[Length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[Length++] = (byte)value;
    }
}
