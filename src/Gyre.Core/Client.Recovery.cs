using Gyre.Core.Channels;
using Gyre.Core.Engine;
using Gyre.Protocol.Delta;
using Gyre.Protocol.Json;
using Gyre.Protocol.Messages;

namespace Gyre.Core;

public sealed partial class Client
{
    /// <summary>SubscribeRequest.flag bit 2: answer an unrecoverable position with error 112 instead of <c>recovered: false</c>.</summary>
    private const long RejectUnrecoveredFlag = 2;

    /// <summary>
    /// Positioning and recovery granted for a subscribe: recovery implies positioning; both need history.
    /// <c>auto_cache_recover</c> makes a cache-mode subscribe recover even when the client did not ask.
    /// </summary>
    private static SubscriptionPlan PlanSubscription(ChannelOptions options, SubscribeRequest request)
    {
        if (!options.HistoryEnabled)
        {
            return default;
        }

        var recoverable = options.ForceRecovery || (options.AllowRecovery && request.Recoverable);
        var positioned = recoverable || options.ForcePositioning || (options.AllowPositioning && request.Positioned);
        var autoCache = recoverable && options.RecoveryMode == RecoveryMode.Cache && options.AutoCacheRecover;
        return new SubscriptionPlan(positioned, recoverable, recoverable && (request.Recover || autoCache));
    }

    /// <summary>Reads what the subscribe reply needs from history: the missed publications (when recovering) and the stream top.</summary>
    private async ValueTask<RecoveryRead> ReadRecoveryAsync(string channel, ChannelOptions options, SubscriptionPlan plan, SubscribeRequest request)
    {
        var broker = _node.Broker;
        var metaTtl = _node.MetaTtl(options);
        if (!plan.Recover)
        {
            var top = await broker.HistoryAsync(channel, new HistoryOptions { Limit = 0, MetaTtl = metaTtl }, CancellationToken.None).ConfigureAwait(false);
            return new RecoveryRead([], false, top.Position);
        }

        if (options.RecoveryMode == RecoveryMode.Cache)
        {
            var latest = await broker.HistoryAsync(channel, new HistoryOptions { Limit = 1, Reverse = true, MetaTtl = metaTtl }, CancellationToken.None).ConfigureAwait(false);
            var top = latest.Position;
            var sameState = request.Offset > 0 && request.Offset == top.Offset && request.Epoch == top.Epoch;
            if (latest.Publications.Count == 0)
            {
                return new RecoveryRead([], sameState, top);
            }

            var newest = latest.Publications[0];
            var recovered = newest.Offset == top.Offset;
            return new RecoveryRead(recovered && !sameState ? [newest] : [], recovered, top);
        }

        var limit = _options.RecoveryMaxPublicationLimit > 0 ? _options.RecoveryMaxPublicationLimit : -1;
        var history = await broker.HistoryAsync(
            channel,
            new HistoryOptions { Since = new StreamPosition(request.Offset, request.Epoch), Limit = limit, MetaTtl = metaTtl },
            CancellationToken.None).ConfigureAwait(false);
        var position = history.Position;
        if (request.Epoch.Length > 0 && request.Epoch != position.Epoch)
        {
            return new RecoveryRead([], false, position);
        }

        var pubs = history.Publications;
        var ok = pubs.Count == 0
            ? position.Offset == request.Offset
            : pubs[0].Offset == request.Offset + 1 && pubs[^1].Offset == position.Offset;
        return new RecoveryRead(ok ? pubs : [], ok, position);
    }

    /// <summary>
    /// Merges recovered and buffered publications, builds the subscribe result and starts live delivery at the
    /// right offset. Runs under the subscription's lock; returns null when the merge finds a gap (the
    /// connection then closes with 3010 and the client recovers on reconnect).
    /// </summary>
    private static SubscribeResult? CompleteSubscribeLocked(Subscription subscription, SubscriptionPlan plan, RecoveryRead read, SubscribeRequest request)
    {
        var buffered = subscription.TakeBufferLocked();
        if (!TryMerge(read.Publications, buffered, out var merged, out var maxSeen))
        {
            return null;
        }

        // Filtered publications count for continuity (they were checked above) but are not delivered.
        if (subscription.Filter is { } filter)
        {
            merged = [.. merged.Where(p => TagsFilter.Matches(filter, p.Tags))];
        }

        if (subscription.Options.RecoveryMode == RecoveryMode.Cache && merged.Count > 1)
        {
            merged = [merged[^1]];
        }

        var latest = read.Top.Offset;
        if (merged.Count > 0 && merged[^1].Offset > latest)
        {
            latest = merged[^1].Offset;
        }

        latest = Math.Max(latest, maxSeen);
        var result = new SubscribeResult
        {
            Positioned = true,
            Recoverable = plan.Recoverable,
            Epoch = read.Top.Epoch,
            Offset = latest,
            WasRecovering = plan.Recover,
            Delta = subscription.Delta,
        };
        if (read.Recovered)
        {
            // The client advances its offset by processing the publications, so the reply carries its own offset.
            result.Recovered = true;
            result.Publications.Add(subscription.Delta ? DeltaChain(merged, subscription.Client.Codec.Type == Protocol.ProtocolType.Json) : merged.Select(Published));
            result.Offset = request.Offset;

            // The client now holds the last recovered payload: live publications may continue as deltas.
            subscription.DeltaReady = merged.Count > 0;
        }

        subscription.ActivateLocked(new StreamPosition(latest, read.Top.Epoch));
        return result;
    }

    /// <summary>A stored publication as clients see it: the publisher's delta intent is not part of it.</summary>
    internal static Publication Published(Publication publication)
    {
        if (!publication.Delta)
        {
            return publication;
        }

        var copy = publication.Clone();
        copy.Delta = false;
        return copy;
    }

    /// <summary>
    /// Recovered publications for a delta subscriber: the first full, each next one a fossil patch against the
    /// one before it when that is smaller. On JSON, every <c>data</c> is a JSON string (payload text or patch).
    /// </summary>
    private static IEnumerable<Publication> DeltaChain(List<Publication> publications, bool json)
    {
        Publication? previous = null;
        foreach (var publication in publications)
        {
            var copy = publication.Clone();
            copy.Delta = false;
            var data = publication.Data.Span;
            if (previous is not null && FossilDelta.Create(previous.Data.Span, data) is { } patch && patch.Length < data.Length
                && (!json || ProtoJson.TryEncodeString(patch) is not null))
            {
                copy.Delta = true;
                copy.Data = Google.Protobuf.UnsafeByteOperations.UnsafeWrap(json ? ProtoJson.TryEncodeString(patch)! : patch);
            }
            else if (json && ProtoJson.TryEncodeString(data) is { } text)
            {
                copy.Data = Google.Protobuf.UnsafeByteOperations.UnsafeWrap(text);
            }

            previous = publication;
            yield return copy;
        }
    }

    /// <summary>
    /// Recovered plus buffered publications, sorted by offset with duplicates removed. When anything was
    /// buffered the result must be contiguous: a hole means a publication was lost between history and live.
    /// </summary>
    private static bool TryMerge(IReadOnlyList<Publication> recovered, List<Publication> buffered, out List<Publication> merged, out ulong maxSeen)
    {
        maxSeen = 0;
        merged = [];
        var seen = new HashSet<ulong>();
        foreach (var publication in recovered.Concat(buffered).OrderBy(p => p.Offset))
        {
            maxSeen = Math.Max(maxSeen, publication.Offset);
            if (seen.Add(publication.Offset))
            {
                merged.Add(publication);
            }
        }

        if (buffered.Count > 0)
        {
            for (var i = 1; i < merged.Count; i++)
            {
                if (merged[i].Offset != merged[i - 1].Offset + 1)
                {
                    merged = [];
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>
    /// A gap or epoch change in live delivery. A client-side subscription gets unsubscribe push 2500 and
    /// resubscribes with recovery; a server-side one cannot be resubscribed by the client, so the connection
    /// closes with 3010 and recovers on reconnect. Called from the broadcast: the push is queued at once (so it
    /// precedes later pushes) and the cleanup runs off the broadcast path.
    /// </summary>
    internal void OnInsufficientState(Subscription subscription)
    {
        if (subscription.ServerSide)
        {
            CloseOnThreadPool(Disconnect.InsufficientState);
            return;
        }

        lock (_lock)
        {
            if (!_subscriptions.TryGetValue(subscription.Channel, out var current) || current != subscription)
            {
                return;
            }

            _subscriptions.Remove(subscription.Channel);
        }

        WriteReply(new Reply
        {
            Push = new Push { Channel = subscription.Channel, Unsubscribe = new Unsubscribe { Code = 2500, Reason = "insufficient state" } },
        });
        ThreadPool.UnsafeQueueUserWorkItem(static s => s.Client.LeaveInBackground(s), subscription, preferLocal: false);
    }

    private void LeaveInBackground(Subscription subscription)
    {
        var leaving = LeaveChannelAsync(subscription);
        if (!leaving.IsCompletedSuccessfully)
        {
            _ = leaving.AsTask();
        }
    }

    /// <summary>Undoes <see cref="TryJoinChannelAsync"/> for a subscribe that failed after joining.</summary>
    private async ValueTask AbandonAsync(Subscription subscription)
    {
        lock (_lock)
        {
            if (_subscriptions.TryGetValue(subscription.Channel, out var current) && current == subscription)
            {
                _subscriptions.Remove(subscription.Channel);
            }
        }

        await LeaveChannelAsync(subscription).ConfigureAwait(false);
    }

    /// <summary>What a subscribe was granted.</summary>
    private readonly record struct SubscriptionPlan(bool Positioned, bool Recoverable, bool Recover);

    /// <summary>What history said: publications to deliver in the reply (only when recovered) and the stream top.</summary>
    private sealed record RecoveryRead(IReadOnlyList<Publication> Publications, bool Recovered, StreamPosition Top);
}
