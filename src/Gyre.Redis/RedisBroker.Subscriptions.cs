using Google.Protobuf;
using Gyre.Core.Engine;
using Gyre.Protocol.Messages;
using StackExchange.Redis;

namespace Gyre.Redis;

public sealed partial class RedisBroker
{
    /// <inheritdoc/>
    /// <remarks>
    /// Completes once Redis confirmed the subscription, so a publish issued afterwards reaches this node. The token
    /// is checked before the command is sent; once sent, the subscription completes within the IO timeout.
    /// </remarks>
    public async ValueTask SubscribeAsync(string channel, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (_subscriptions.ContainsKey(channel))
        {
            return;
        }

        var shard = _connection.ShardFor(channel);
        var queue = await shard.Subscriber.SubscribeAsync(shard.Keys.PubSubChannel(channel)).ConfigureAwait(false);
        var subscription = new ChannelSubscription(this, channel, queue);
        if (!_subscriptions.TryAdd(channel, subscription))
        {
            // The node serialises subscribe/unsubscribe per channel, so this is a caller bug; do not leak the queue.
            await queue.UnsubscribeAsync().ConfigureAwait(false);
            return;
        }

        queue.OnMessage(subscription.Handle);
    }

    /// <inheritdoc/>
    /// <remarks>Messages already queued for the channel are dropped; none are delivered after this completes.</remarks>
    public async ValueTask UnsubscribeAsync(string channel, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_subscriptions.TryRemove(channel, out var subscription))
        {
            subscription.Stop();
            await subscription.Queue.UnsubscribeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>One channel's subscription: its ordered message queue and the last epoch seen (to reuse the string).</summary>
    private sealed class ChannelSubscription(RedisBroker broker, string channel, ChannelMessageQueue queue)
    {
        private string? _epoch;
        private volatile bool _stopped;

        public ChannelMessageQueue Queue => queue;

        /// <summary>Drops whatever the queue still holds: the node no longer has subscribers for the channel.</summary>
        public void Stop() => _stopped = true;

        /// <summary>Runs on the queue's loop, one message at a time, in the order Redis delivered them.</summary>
        public void Handle(ChannelMessage message)
        {
            if (_stopped || broker._disposed || broker._handler is not { } handler)
            {
                return;
            }

            ReadOnlyMemory<byte> data = message.Message;
            try
            {
                if (!RedisMessage.TryParse(data.Span, out var kind, out var offset, out var epochBytes, out var payload))
                {
                    RedisLog.MalformedMessage(broker._logger, channel, data.Length);
                    return;
                }

                switch (kind)
                {
                    case RedisMessageKind.Publication:
                        var publication = Publication.Parser.ParseFrom(payload);
                        var position = StreamPosition.None;
                        if (offset > 0)
                        {
                            _epoch = RedisMessage.Epoch(epochBytes, _epoch);
                            publication.Offset = offset;
                            position = new StreamPosition(offset, _epoch);
                        }

                        handler.HandlePublication(channel, publication, position);
                        break;
                    case RedisMessageKind.Join:
                        handler.HandleJoin(channel, ClientInfo.Parser.ParseFrom(payload));
                        break;
                    case RedisMessageKind.Leave:
                        handler.HandleLeave(channel, ClientInfo.Parser.ParseFrom(payload));
                        break;
                }
            }
            catch (InvalidProtocolBufferException)
            {
                RedisLog.MalformedMessage(broker._logger, channel, data.Length);
            }
            catch (Exception e)
            {
                RedisLog.HandlerFailed(broker._logger, channel, e);
            }
        }
    }
}
