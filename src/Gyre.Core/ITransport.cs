using Gyre.Core.Errors;
using Gyre.Protocol;

namespace Gyre.Core;

/// <summary>
/// The byte mover under a <see cref="Client"/>: WebSocket, HTTP-streaming, SSE, gRPC. A transport does no
/// protocol work; it writes the frames the client's writer hands it and feeds received frames to
/// <see cref="Client.HandleFrameAsync"/>.
/// </summary>
public interface ITransport
{
    /// <summary>Transport name as Centrifugo reports it (<c>websocket</c>, <c>http_stream</c>, <c>sse</c>).</summary>
    string Name { get; }

    /// <summary>The connection's encoding.</summary>
    ProtocolType Protocol { get; }

    /// <summary>
    /// Whether the client only receives (uni_websocket, uni_sse, uni_http_stream, uni_grpc): it connects with a bare
    /// <c>ConnectRequest</c> through <see cref="Client.ConnectUnidirectionalAsync"/>, gets bare pushes instead of
    /// replies, and is never asked to pong. Read once, when the client is created. Default false.
    /// </summary>
    bool Unidirectional => false;

    /// <summary>
    /// Whether the client sends its commands out of band through <c>/emulation</c> (HTTP-streaming, SSE): the connect
    /// result then carries <c>session</c> and <c>node</c>, which the client echoes to address this connection. Read
    /// once, when the client is created. Default false.
    /// </summary>
    bool Emulation => false;

    /// <summary>
    /// Writes one frame (one or more encoded messages). Called only by the client's single writer loop, never
    /// concurrently. The memory is valid only until the returned task completes. Throws when the write fails
    /// or times out; the client then disconnects with 3009.
    /// </summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> frame);

    /// <summary>
    /// Ends the connection after the last frame: a close frame with the code and reason, or an abort for
    /// <see cref="Disconnect.ConnectionClosed"/>. Called once, by the writer loop, after its last write.
    /// </summary>
    ValueTask CloseAsync(Disconnect disconnect);
}
