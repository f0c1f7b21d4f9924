using Google.Protobuf;
using Gyre.Protocol.Messages;

namespace Gyre.Core;

/// <summary>
/// Delivers the client-to-server half of an emulated connection: a frame of commands that arrived at
/// <c>/emulation</c>, addressed by the <c>node</c> and <c>session</c> the connect result gave the client.
/// </summary>
/// <remarks>
/// On one node this is a dictionary lookup (<see cref="LocalEmulationRouter"/>). Behind a load balancer the
/// <c>/emulation</c> POST may land on another node than the stream it belongs to; a multi-node router forwards the
/// frame to the named node over the broker's control channel, as Centrifuge does with its emulation survey.
/// </remarks>
public interface IEmulationRouter
{
    /// <summary>Hands <paramref name="frame"/> to the connection, or reports why it could not.</summary>
    /// <param name="nodeId">The node id from the connect result (<see cref="Node.Id"/>).</param>
    /// <param name="session">The session id from the connect result (<see cref="Client.Session"/>).</param>
    /// <param name="frame">Commands encoded as on a bidirectional transport; the memory is not kept after the call.</param>
    /// <param name="cancellationToken">Cancelled when the request is aborted.</param>
    ValueTask<EmulationResult> DeliverAsync(string nodeId, string session, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken);
}

/// <summary>The outcome of <see cref="IEmulationRouter.DeliverAsync"/>.</summary>
public enum EmulationResult
{
    /// <summary>The frame reached the connection (which may still have closed because of it, e.g. on a malformed command).</summary>
    Delivered,

    /// <summary>No reachable node has the id.</summary>
    UnknownNode,

    /// <summary>The node has no open emulated connection with the session id (it closed, or never existed).</summary>
    UnknownSession,
}

/// <summary>Routes emulation frames to connections of this node only.</summary>
/// <param name="node">The local node.</param>
public sealed class LocalEmulationRouter(Node node) : IEmulationRouter
{
    /// <inheritdoc/>
    public async ValueTask<EmulationResult> DeliverAsync(string nodeId, string session, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        // An empty node is accepted: single-node clients (and older SDKs) may leave it out.
        if (nodeId.Length > 0 && nodeId != node.Id)
        {
            return EmulationResult.UnknownNode;
        }

        if (!node.TryGetEmulatedClient(session, out var client))
        {
            return EmulationResult.UnknownSession;
        }

        await client.HandleEmulatedFrameAsync(frame, cancellationToken).ConfigureAwait(false);
        return EmulationResult.Delivered;
    }
}

/// <summary>
/// Routes emulation frames across nodes: a frame for this node (or with no node) is delivered locally; a frame for
/// another live node travels to it as a control notification over the broker, where that node's router delivers it.
/// </summary>
/// <remarks>
/// Delivery to another node is at-most-once, like every control message: the POST is answered when the frame is
/// handed to the broker, and a session that closed meanwhile is dropped on the owning node (the client's stream is
/// gone then anyway). Centrifuge confirms with a survey round trip instead; one broker publish keeps a POST at one
/// hop.
/// </remarks>
public sealed class ClusterEmulationRouter : IEmulationRouter
{
    /// <summary>The control notification's operation name.</summary>
    public const string Operation = "emulation";

    private readonly Node _node;
    private readonly LocalEmulationRouter _local;

    /// <summary>Creates the router and registers the receiving half with <paramref name="node"/>.</summary>
    public ClusterEmulationRouter(Node node)
    {
        _node = node;
        _local = new LocalEmulationRouter(node);
        node.RegisterNotificationHandler(Operation, ReceiveAsync);
    }

    /// <inheritdoc/>
    public async ValueTask<EmulationResult> DeliverAsync(string nodeId, string session, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        if (nodeId.Length == 0 || nodeId == _node.Id)
        {
            return await _local.DeliverAsync(nodeId, session, frame, cancellationToken).ConfigureAwait(false);
        }

        if (!_node.KnownNodes().Any(n => n.Id == nodeId))
        {
            return EmulationResult.UnknownNode;
        }

        var request = new EmulationRequest { Node = nodeId, Session = session, Data = ByteString.CopyFrom(frame.Span) };
        await _node.NotifyAsync(Operation, request.ToByteArray(), nodeId, cancellationToken).ConfigureAwait(false);
        return EmulationResult.Delivered;
    }

    private async ValueTask ReceiveAsync(string fromNode, ReadOnlyMemory<byte> data)
    {
        EmulationRequest request;
        try
        {
            request = EmulationRequest.Parser.ParseFrom(data.Span);
        }
        catch (InvalidProtocolBufferException)
        {
            return;
        }

        await _local.DeliverAsync(_node.Id, request.Session, request.Data.Memory, CancellationToken.None).ConfigureAwait(false);
    }
}
