namespace Gyre.Protocol;

/// <summary>The encoding of a connection, fixed at handshake (Centrifugo client protocol v2 §1.1).</summary>
public enum ProtocolType
{
    /// <summary>Newline-delimited JSON objects in text frames; <c>bytes</c> fields carry embedded raw JSON.</summary>
    Json = 0,

    /// <summary>Varint-length-delimited Protobuf messages in binary frames.</summary>
    Protobuf = 1,
}
