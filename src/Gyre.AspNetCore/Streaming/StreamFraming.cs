namespace Gyre.AspNetCore.Streaming;

/// <summary>How a streaming HTTP response delimits the messages of a frame.</summary>
internal enum StreamFraming
{
    /// <summary>JSON: every message followed by <c>\n</c> (HTTP-streaming).</summary>
    Lines,

    /// <summary>Protobuf: messages carry their varint length prefix already and are written back to back.</summary>
    Delimited,

    /// <summary>Server-Sent Events: every message as one <c>data: …\n\n</c> event, after an initial <c>\r\n</c>.</summary>
    EventStream,
}
