using System.Text;
using Gyre.Protocol.Delta;

namespace Gyre.Protocol.Tests;

public sealed class FossilDeltaTests
{
    [Fact]
    public void DeltaOfAnEditedDocumentRebuildsItExactlyAndIsSmaller()
    {
        var source = Encoding.UTF8.GetBytes("{\"title\":\"" + new string('a', 200) + "\",\"count\":1,\"items\":[1,2,3,4,5,6,7,8,9]}");
        var target = Encoding.UTF8.GetBytes("{\"title\":\"" + new string('a', 200) + "\",\"count\":2,\"items\":[1,2,3,4,5,6,7,8,9,10]}");
        var delta = FossilDelta.Create(source, target);
        Assert.True(delta.Length < target.Length / 4, $"delta {delta.Length} bytes for {target.Length}");
        Assert.Equal(target, FossilDelta.Apply(source, delta));
    }

    [Fact]
    public void HundredsOfRandomEditsRoundTrip()
    {
        var random = new Random(42);
        var current = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 300).Select(i => (char)('a' + (i % 26)))));
        for (var round = 0; round < 500; round++)
        {
            var next = Mutate(current, random);
            Assert.Equal(next, FossilDelta.Apply(current, FossilDelta.Create(current, next)));
            current = next;
        }
    }

    [Fact]
    public void ShortSourceBecomesOneInsert()
    {
        var delta = Encoding.ASCII.GetString(FossilDelta.Create("abc"u8, "hello world"u8));
        Assert.StartsWith("B\nB:hello world", delta, StringComparison.Ordinal);
        Assert.EndsWith(";", delta, StringComparison.Ordinal);
    }

    [Fact]
    public void CorruptedDeltaIsRejectedByTheChecksum()
    {
        var source = Encoding.UTF8.GetBytes(new string('x', 100) + "tail");
        var delta = FossilDelta.Create(source, Encoding.UTF8.GetBytes(new string('x', 100) + "TAIL"));
        var text = Encoding.ASCII.GetString(delta).Replace("TAIL", "TAIX", StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => FossilDelta.Apply(source, Encoding.ASCII.GetBytes(text)));
    }

    private static byte[] Mutate(byte[] value, Random random)
    {
        var list = value.ToList();
        for (var edits = random.Next(1, 5); edits > 0; edits--)
        {
            var at = random.Next(list.Count + 1);
            switch (random.Next(3))
            {
                case 0:
                    list.InsertRange(at, Enumerable.Range(0, random.Next(1, 20)).Select(_ => (byte)random.Next(32, 127)));
                    break;
                case 1 when list.Count > 20:
                    list.RemoveRange(Math.Min(at, list.Count - 10), random.Next(1, 10));
                    break;
                default:
                    if (at < list.Count)
                    {
                        list[at] = (byte)random.Next(32, 127);
                    }

                    break;
            }
        }

        return [.. list];
    }
}
