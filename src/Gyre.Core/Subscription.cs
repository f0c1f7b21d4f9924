using Gyre.Core.Channels;
using Gyre.Protocol.Messages;

namespace Gyre.Core;

/// <summary>
/// One client's subscription to one channel: what the hub iterates on a broadcast. Holding the client, the
/// flags and the stream position together lets a delivery decide without a dictionary lookup.
/// </summary>
/// <remarks>
/// A positioned subscription tracks the last offset and epoch it delivered, so a gap (a publication lost
/// between broker and node) is detected on the next publication and answered with "insufficient state"
/// (the client resubscribes and recovers). While a recovering subscribe reads history, live publications
/// are buffered here instead of delivered; the subscribe merges them with what history returned, queues the
/// reply and switches to live delivery in one step under this object's lock, so nothing published during
/// the read is lost or delivered twice.
/// </remarks>
internal sealed class Subscription
{
    private readonly Lock _lock = new();
    private volatile bool _active;
    private volatile bool _removedFromHub;
    private List<Publication>? _buffer;
    private ulong _offset;
    private string _epoch = "";

    public Subscription(Client client, string channel, ChannelOptions options, bool serverSide)
    {
        Client = client;
        Channel = channel;
        Options = options;
        ServerSide = serverSide;
    }

    public Client Client { get; }

    public string Channel { get; }

    public ChannelOptions Options { get; }

    /// <summary>Established from the server (token <c>channels</c>, server API) rather than by a client command.</summary>
    public bool ServerSide { get; }

    /// <summary>The client asked for join/leave pushes (or the namespace forces them).</summary>
    public bool PushJoinLeave { get; init; }

    /// <summary>Live delivery checks offsets and epochs (positioning or recovery is on).</summary>
    public bool Positioned { get; init; }

    /// <summary>The subscriber's tags filter; publications it rejects still advance the position.</summary>
    public FilterNode? Filter { get; init; }

    /// <summary>The client negotiated fossil delta compression for this subscription.</summary>
    public bool Delta { get; init; }

    /// <summary>
    /// The subscriber holds the previous publication, so the next one may be a delta. False until the first
    /// full publication after subscribe (or a successful recovery); only the broadcast path touches it.
    /// </summary>
    public bool DeltaReady { get; set; }

    /// <summary>Channel info (<c>chan_info</c>) of this subscriber.</summary>
    public ClientInfo? Info { get; set; }

    /// <summary>Where the subscription came from (a client command, the connection token, the personal channel…).</summary>
    public Auth.SubscriptionSource Source { get; init; }

    /// <summary>
    /// When the subscription expires (a subscription token's <c>exp</c>/<c>expire_at</c>), in Unix seconds; 0 = never.
    /// A <c>sub_refresh</c> moves it. Guarded by the client's lock.
    /// </summary>
    public long ExpireAt { get; set; }

    /// <summary>
    /// Set once the subscribe reply is queued. Publications that reach the hub before that are dropped (or
    /// buffered, for positioned subscriptions), so a client never sees a push before the subscribe reply.
    /// </summary>
    public bool Active
    {
        get => _active;
        set => _active = value;
    }

    /// <summary>The last position this subscription delivered.</summary>
    public StreamPosition Position
    {
        get
        {
            lock (_lock)
            {
                return new StreamPosition(_offset, _epoch);
            }
        }
    }

    /// <summary>Starts collecting live publications instead of dropping them; call before joining the hub.</summary>
    public void StartBuffering()
    {
        lock (_lock)
        {
            _buffer = [];
        }
    }

    /// <summary>
    /// Takes the subscription's lock. While it is held no publication can be delivered or buffered, so the
    /// subscribe reply (or the connect reply holding server-side subscriptions) can be queued and live delivery
    /// started in one step: nothing published during the history read is lost or delivered twice.
    /// </summary>
    public Lock.Scope EnterScope() => _lock.EnterScope();

    /// <summary>Takes the lock without a scope, for holding several subscriptions' locks at once (connect).</summary>
    public void Enter() => _lock.Enter();

    /// <summary>Releases <see cref="Enter"/>.</summary>
    public void Exit() => _lock.Exit();

    /// <summary>Ends buffering and returns what was buffered. Call while holding <see cref="EnterScope"/>.</summary>
    public List<Publication> TakeBufferLocked()
    {
        var buffered = _buffer ?? [];
        _buffer = null;
        return buffered;
    }

    /// <summary>Starts live delivery after <paramref name="position"/>. Call while holding <see cref="EnterScope"/>.</summary>
    public void ActivateLocked(StreamPosition position)
    {
        _offset = position.Offset;
        _epoch = position.Epoch;
        _active = true;
    }

    /// <summary>This subscription's index in its channel's subscriber array in the hub; guarded by the hub shard's lock.</summary>
    internal int HubSlot { get; set; } = -1;

    /// <summary>
    /// Removed from the hub. The slot stays in the channel's array (readers may be iterating it) until the array is
    /// compacted, so broadcasts skip removed subscriptions; written under the hub shard's lock, read without it.
    /// </summary>
    internal bool RemovedFromHub
    {
        get => _removedFromHub;
        set => _removedFromHub = value;
    }

    /// <summary>Presence and join were announced for this subscription, so leaving must retract them.</summary>
    public bool Announced { get; set; }

    /// <summary>Stops live delivery because the stream may have a gap; false when delivery was not live anyway.</summary>
    public bool TryInvalidate()
    {
        lock (_lock)
        {
            if (!_active || _buffer is not null)
            {
                return false;
            }

            _active = false;
            return true;
        }
    }

    /// <summary>Decides what to do with a live publication for this subscriber.</summary>
    public Delivery Accept(Publication publication, StreamPosition position)
    {
        if (!Positioned)
        {
            return _active ? Delivery.Deliver : Delivery.Skip;
        }

        lock (_lock)
        {
            if (_buffer is not null)
            {
                _buffer.Add(publication);
                return Delivery.Skip;
            }

            if (!_active)
            {
                return Delivery.Skip;
            }

            // Publications sent with skip_history carry no offset: nothing to check.
            if (publication.Offset == 0)
            {
                return Delivery.Deliver;
            }

            if (_epoch.Length > 0 && position.Epoch.Length > 0 && position.Epoch != _epoch)
            {
                _active = false;
                return Delivery.InsufficientState;
            }

            if (_epoch.Length == 0)
            {
                _epoch = position.Epoch;
            }

            var expected = _offset + 1;
            if (publication.Offset < expected)
            {
                return Delivery.Skip;
            }

            if (publication.Offset > expected)
            {
                _active = false;
                return Delivery.InsufficientState;
            }

            _offset = publication.Offset;
            return Delivery.Deliver;
        }
    }
}

/// <summary>The decision for one live publication and one subscriber.</summary>
internal enum Delivery
{
    /// <summary>Send it.</summary>
    Deliver,

    /// <summary>Not for this subscriber now (inactive, buffered, or already delivered).</summary>
    Skip,

    /// <summary>A gap or an epoch change: the subscriber must recover (unsubscribe 2500 or disconnect 3010).</summary>
    InsufficientState,
}
