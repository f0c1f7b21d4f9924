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
