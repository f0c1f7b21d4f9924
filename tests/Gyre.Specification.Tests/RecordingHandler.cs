using System.Threading.Channels;
using Gyre.Core.Engine;
using Gyre.Protocol.Messages;
using Gyre.Testing;

namespace Gyre.Specification.Tests;

/// <summary>A publication as a node received it.</summary>
public sealed record ReceivedPublication(string Channel, Publication Publication, StreamPosition Position);

/// <summary>A join or leave as a node received it.</summary>
public sealed record ReceivedPresenceEvent(string Channel, ClientInfo Info);

/// <summary>
/// Stands in for a node: records everything its broker delivers, in order, and lets tests await the next event
/// with <see cref="TestTimeouts.Default"/> instead of sleeping.
/// </summary>
public sealed class RecordingHandler : IBrokerEventHandler
{
    private readonly Channel<ReceivedPublication> _publications = Channel.CreateUnbounded<ReceivedPublication>();
    private readonly Channel<ReceivedPresenceEvent> _joins = Channel.CreateUnbounded<ReceivedPresenceEvent>();
    private readonly Channel<ReceivedPresenceEvent> _leaves = Channel.CreateUnbounded<ReceivedPresenceEvent>();
    private readonly Channel<byte[]> _controls = Channel.CreateUnbounded<byte[]>();

    public void HandlePublication(string channel, Publication publication, StreamPosition position) =>
        _publications.Writer.TryWrite(new ReceivedPublication(channel, publication, position));

    public void HandleJoin(string channel, ClientInfo info) => _joins.Writer.TryWrite(new ReceivedPresenceEvent(channel, info));

    public void HandleLeave(string channel, ClientInfo info) => _leaves.Writer.TryWrite(new ReceivedPresenceEvent(channel, info));

    public void HandleControl(ReadOnlyMemory<byte> data) => _controls.Writer.TryWrite(data.ToArray());

    public Task<ReceivedPublication> NextPublicationAsync() => NextAsync(_publications);

    public Task<ReceivedPresenceEvent> NextJoinAsync() => NextAsync(_joins);

    public Task<ReceivedPresenceEvent> NextLeaveAsync() => NextAsync(_leaves);

    public Task<byte[]> NextControlAsync() => NextAsync(_controls);

    /// <summary>The next publication if one arrives within <paramref name="wait"/>, otherwise null (nothing is lost: a later call gets it).</summary>
    public async Task<ReceivedPublication?> NextPublicationWithinAsync(TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            return await _publications.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>True when a publication is already waiting; used after a marker to assert that nothing else came.</summary>
    public bool TryNextPublication(out ReceivedPublication? publication) => _publications.Reader.TryRead(out publication);

    /// <summary>True when a control message is already waiting.</summary>
    public bool TryNextControl(out byte[]? data) => _controls.Reader.TryRead(out data);

    private static async Task<T> NextAsync<T>(Channel<T> channel)
    {
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        try
        {
            return await channel.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No {typeof(T).Name} arrived within {TestTimeouts.Default.TotalSeconds} s.");
        }
    }
}
