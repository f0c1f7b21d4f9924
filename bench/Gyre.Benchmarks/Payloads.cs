using System.Text;
using Google.Protobuf;
using Gyre.Protocol.Messages;

namespace Gyre.Benchmarks;

/// <summary>The data every benchmark publishes, so codec and broadcast numbers describe the same message.</summary>
internal static class Payloads
{
    /// <summary>
    /// A 200-byte JSON chat message: the size Centrifugo's own benchmarks use (128–256 bytes) and the
    /// size the writer's first 4 KiB frame rent assumes (16 of them fit).
    /// </summary>
    public static readonly byte[] Json = Encoding.UTF8.GetBytes(
        """{"text":"The quick brown fox jumps over the lazy dog, twice, to make a chat line","user":{"id":"42","name":"alice"},"room":"chat:lobby","ts":1732700000000,"tags":["news","sport"],"n":17,"seq":1234567}""");

    /// <summary>Publisher info as a client-side publish carries it: user, client id and connection info.</summary>
    public static ClientInfo Info() => new()
    {
        User = "42",
        Client = "b6f1e2a4-3c5d-4e7f-8a9b-0c1d2e3f4a5b",
        ConnInfo = ByteString.CopyFromUtf8("""{"name":"alice"}"""),
    };

    /// <summary>A publication of <see cref="Json"/> with <see cref="Info"/>, as the broker hands it to the hub.</summary>
    public static Publication Publication() => new()
    {
        Data = UnsafeByteOperations.UnsafeWrap(Json),
        Info = Info(),
    };
}
