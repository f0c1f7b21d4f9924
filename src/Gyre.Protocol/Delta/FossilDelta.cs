using System.Buffers;

namespace Gyre.Protocol.Delta;

/// <summary>
/// Fossil SCM's delta format, the one Centrifugo's <c>fossil</c> delta compression uses and centrifuge-js
/// decodes: a header with the target length, then copy (<c>len@offset,</c>) and insert (<c>len:bytes</c>)
/// commands with base-64 integers, and a checksum (<c>sum;</c>).
/// </summary>
/// <remarks>
/// The encoder indexes the source in 16-byte blocks by a rolling hash and, walking the target, extends every
/// block match backwards and forwards, keeping the longest match that is worth its command (at most 250
/// candidates per position, as Fossil does, so adversarial input stays linear). The decoder verifies size
/// and checksum; it exists for tests and for servers that need to rebuild a payload.
/// </remarks>
public static class FossilDelta
{
    /// <summary>Block size of the source index; sources this short get a single insert.</summary>
    private const int BlockSize = 16;

    /// <summary>Candidates examined per target position before giving up (Fossil's constant).</summary>
    private const int MaxCandidates = 250;

    private static ReadOnlySpan<byte> Digits => "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~"u8;

    /// <summary>Creates the delta that turns <paramref name="source"/> into <paramref name="target"/>.</summary>
    public static byte[] Create(ReadOnlySpan<byte> source, ReadOnlySpan<byte> target)
    {
        var output = new ArrayBufferWriter<byte>(target.Length + 64);
        PutInt(output, (uint)target.Length);
        Put(output, (byte)'\n');
        if (source.Length <= BlockSize)
        {
            PutInsert(output, target);
            PutChecksum(output, target);
            return output.WrittenSpan.ToArray();
        }

        var blocks = source.Length / BlockSize;
        var collide = ArrayPool<int>.Shared.Rent(blocks * 2);
        try
        {
            var landmark = collide.AsSpan(blocks, blocks);
            var chain = collide.AsSpan(0, blocks);
            landmark.Fill(-1);
            chain.Fill(-1);
            for (var i = 0; i < source.Length - BlockSize; i += BlockSize)
            {
                var hash = new RollingHash(source.Slice(i, BlockSize));
                var slot = (int)(hash.Value % (uint)blocks);
                chain[i / BlockSize] = landmark[slot];
                landmark[slot] = i / BlockSize;
            }

            var start = 0;
            while (start + BlockSize < target.Length)
            {
                var hash = new RollingHash(target.Slice(start, BlockSize));
                var i = 0;
                while (true)
                {
                    var bestCount = 0;
                    var bestOffset = 0;
                    var bestLiteral = 0;
                    var candidates = MaxCandidates;
                    for (var block = landmark[(int)(hash.Value % (uint)blocks)]; block >= 0 && candidates-- > 0; block = chain[block])
                    {
                        var sourceStart = block * BlockSize;
                        var y = start + i;
                        var limit = source.Length - sourceStart <= target.Length - y ? source.Length : sourceStart + target.Length - y;
                        var x = sourceStart;
                        while (x < limit && source[x] == target[y])
                        {
                            x++;
                            y++;
                        }

                        var forward = x - sourceStart - 1;
                        var back = 1;
                        while (back < sourceStart && back <= i && source[sourceStart - back] == target[start + i - back])
                        {
                            back++;
                        }

                        back--;
                        var offset = sourceStart - back;
                        var count = forward + back + 1;
                        var literal = i - back;
                        var cost = DigitCount((uint)literal) + DigitCount((uint)count) + DigitCount((uint)offset) + 3;
                        if (count >= cost && count > bestCount)
                        {
                            bestCount = count;
                            bestOffset = offset;
                            bestLiteral = literal;
                        }
                    }

                    if (bestCount > 0)
                    {
                        if (bestLiteral > 0)
                        {
                            PutInsert(output, target.Slice(start, bestLiteral));
                            start += bestLiteral;
                        }

                        start += bestCount;
                        PutInt(output, (uint)bestCount);
                        Put(output, (byte)'@');
                        PutInt(output, (uint)bestOffset);
                        Put(output, (byte)',');
                        break;
                    }

                    if (start + i + BlockSize >= target.Length)
                    {
                        PutInsert(output, target[start..]);
                        start = target.Length;
                        break;
                    }

                    hash.Next(target[start + i + BlockSize]);
                    i++;
                }
            }

            if (start < target.Length)
            {
                PutInsert(output, target[start..]);
            }

            PutChecksum(output, target);
            return output.WrittenSpan.ToArray();
        }
        finally
        {
            ArrayPool<int>.Shared.Return(collide);
        }
    }

    /// <summary>Applies <paramref name="delta"/> to <paramref name="source"/>, verifying size and checksum.</summary>
    /// <exception cref="FormatException">The delta is malformed or does not match the source.</exception>
    public static byte[] Apply(ReadOnlySpan<byte> source, ReadOnlySpan<byte> delta)
    {
        var position = 0;
        var limit = GetInt(delta, ref position);
        if (position >= delta.Length || delta[position++] != '\n')
        {
            throw new FormatException("size integer not terminated by '\\n'");
        }

        var output = new ArrayBufferWriter<byte>((int)limit);
        while (position < delta.Length)
        {
            var count = (int)GetInt(delta, ref position);
            if (position >= delta.Length)
            {
                throw new FormatException("unterminated delta");
            }

            switch (delta[position++])
            {
                case (byte)'@':
                    var offset = (int)GetInt(delta, ref position);
                    if (position < delta.Length && delta[position++] != ',')
                    {
                        throw new FormatException("copy command not terminated by ','");
                    }

                    if (offset + count > source.Length || output.WrittenCount + count > limit)
                    {
                        throw new FormatException("copy out of range");
                    }

                    output.Write(source.Slice(offset, count));
                    break;
                case (byte)':':
                    if (position + count > delta.Length || output.WrittenCount + count > limit)
                    {
                        throw new FormatException("insert out of range");
                    }

                    output.Write(delta.Slice(position, count));
                    position += count;
                    break;
                case (byte)';':
                    if ((uint)count != Checksum(output.WrittenSpan) || output.WrittenCount != limit)
                    {
                        throw new FormatException("bad checksum or size");
                    }

                    return output.WrittenSpan.ToArray();
                default:
                    throw new FormatException("unknown delta operator");
            }
        }

        throw new FormatException("unterminated delta");
    }

    /// <summary>Fossil's checksum: four interleaved byte sums folded into 32 bits.</summary>
    public static uint Checksum(ReadOnlySpan<byte> data)
    {
        uint sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0;
        var z = 0;
        var n = data.Length;
        while (n >= 4)
        {
            sum0 += data[z];
            sum1 += data[z + 1];
            sum2 += data[z + 2];
            sum3 += data[z + 3];
            z += 4;
            n -= 4;
        }

        sum3 += (sum2 << 8) + (sum1 << 16) + (sum0 << 24);
        switch (n)
        {
            case 3:
                sum3 += (uint)data[z + 2] << 8;
                goto case 2;
            case 2:
                sum3 += (uint)data[z + 1] << 16;
                goto case 1;
            case 1:
                sum3 += (uint)data[z] << 24;
                break;
        }

        return sum3;
    }

    private static void PutInsert(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        PutInt(output, (uint)bytes.Length);
        Put(output, (byte)':');
        output.Write(bytes);
    }

    private static void PutChecksum(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> target)
    {
        PutInt(output, Checksum(target));
        Put(output, (byte)';');
    }

    private static void Put(ArrayBufferWriter<byte> output, byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    private static void PutInt(ArrayBufferWriter<byte> output, uint value)
    {
        if (value == 0)
        {
            Put(output, (byte)'0');
            return;
        }

        Span<byte> buffer = stackalloc byte[8];
        var i = 0;
        for (; value > 0; value >>= 6)
        {
            buffer[i++] = Digits[(int)(value & 0x3F)];
        }

        var span = output.GetSpan(i);
        for (var j = 0; j < i; j++)
        {
            span[j] = buffer[i - 1 - j];
        }

        output.Advance(i);
    }

    private static uint GetInt(ReadOnlySpan<byte> delta, ref int position)
    {
        uint value = 0;
        while (position < delta.Length)
        {
            var digit = Digits.IndexOf(delta[position]);
            if (digit < 0)
            {
                break;
            }

            value = (value << 6) + (uint)digit;
            position++;
        }

        return value;
    }

    private static int DigitCount(uint value)
    {
        var count = 1;
        for (ulong x = 64; value >= x; x <<= 6)
        {
            count++;
        }

        return count;
    }

    /// <summary>Adler-like rolling hash over a 16-byte window.</summary>
    private struct RollingHash
    {
        private Window _window;
        private ushort _a;
        private ushort _b;
        private int _i;

        public RollingHash(ReadOnlySpan<byte> block)
        {
            block.CopyTo(_window);
            int a = block[0], b = block[0];
            for (var k = 1; k < BlockSize; k++)
            {
                a += block[k];
                b += a;
            }

            _a = (ushort)a;
            _b = (ushort)b;
            _i = 0;
        }

        public readonly uint Value => _a | ((uint)_b << 16);

        public void Next(byte c)
        {
            var old = _window[_i];
            _window[_i] = c;
            _i = (_i + 1) & (BlockSize - 1);
            _a = (ushort)(_a - old + c);
            _b = (ushort)(_b - (BlockSize * old) + _a);
        }
    }

    [System.Runtime.CompilerServices.InlineArray(BlockSize)]
    private struct Window
    {
        private byte _element;
    }
}
