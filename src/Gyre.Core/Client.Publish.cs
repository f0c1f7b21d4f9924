using Gyre.Core.Errors;
using Gyre.Protocol.Messages;

namespace Gyre.Core;

public sealed partial class Client
{
    private async ValueTask<Disconnect?> HandlePublishAsync(uint id, PublishRequest request)
    {
        var channel = request.Channel;
        if (channel.Length == 0)
        {
            return Disconnect.BadRequest;
        }

        if (_node.Channels.Resolve(channel, out var options) is { } error)
        {
            WriteError(id, error);
            return null;
        }

        if (!Allowed(channel, options.AllowPublishForClient, options.AllowPublishForSubscriber, options.AllowPublishForAnonymous))
        {
            WriteError(id, ClientError.PermissionDenied);
            return null;
        }

        if (request.Data.IsEmpty)
        {
            // Centrifugo's default publication_data_format rejects empty data.
            WriteError(id, ClientError.BadRequest);
            return null;
        }

        await _node.PublishAsync(channel, request.Data.Memory, options, PublisherInfo(channel)).ConfigureAwait(false);
        WriteReply(new Reply { Id = id, Publish = new PublishResult() });
        return null;
    }

    private async ValueTask<Disconnect?> HandlePresenceAsync(uint id, PresenceRequest request)
    {
        if (await CheckPresenceAsync(id, request.Channel).ConfigureAwait(false) is { } outcome)
        {
            return outcome.Disconnect;
        }

        var presence = await _node.Presence.PresenceAsync(request.Channel, CancellationToken.None).ConfigureAwait(false);
        var result = new PresenceResult();
        foreach (var (clientId, info) in presence)
        {
            result.Presence[clientId] = info;
        }
        WriteReply(new Reply { Id = id, Presence = result });
        return null;
    }

    private async ValueTask<Disconnect?> HandlePresenceStatsAsync(uint id, PresenceStatsRequest request)
    {
        if (await CheckPresenceAsync(id, request.Channel).ConfigureAwait(false) is { } outcome)
        {
            return outcome.Disconnect;
        }

        var stats = await _node.Presence.PresenceStatsAsync(request.Channel, CancellationToken.None).ConfigureAwait(false);
        WriteReply(new Reply
        {
            Id = id,
            PresenceStats = new PresenceStatsResult { NumClients = (uint)stats.NumClients, NumUsers = (uint)stats.NumUsers },
        });
        return null;
    }

    /// <summary>Shared checks of presence and presence_stats; null when the request may proceed.</summary>
    private ValueTask<Refusal?> CheckPresenceAsync(uint id, string channel)
    {
        if (channel.Length == 0)
        {
            return new(new Refusal(Disconnect.BadRequest));
        }

        var error = _node.Channels.Resolve(channel, out var options);
        error ??= !options.Presence ? ClientError.NotAvailable
            : !Allowed(channel, options.AllowPresenceForClient, options.AllowPresenceForSubscriber, options.AllowPresenceForAnonymous) ? ClientError.PermissionDenied
            : null;
        if (error is not null)
        {
            WriteError(id, error);
            return new(new Refusal(null));
        }

        return new((Refusal?)null);
    }

    private async ValueTask<Disconnect?> HandleHistoryAsync(uint id, HistoryRequest request)
    {
        var channel = request.Channel;
        if (channel.Length == 0)
        {
            return Disconnect.BadRequest;
        }

        var error = _node.Channels.Resolve(channel, out var options);
        error ??= !options.HistoryEnabled ? ClientError.NotAvailable
            : !Allowed(channel, options.AllowHistoryForClient, options.AllowHistoryForSubscriber, options.AllowHistoryForAnonymous) ? ClientError.PermissionDenied
            : request.Reverse && request.Since is { Offset: 0 } ? ClientError.BadRequest
            : null;
        if (error is not null)
        {
            WriteError(id, error);
            return null;
        }

        var limit = request.Limit;
        var cap = _options.HistoryMaxPublicationLimit;
        if (cap > 0 && (limit < 0 || limit > cap))
        {
            limit = cap;
        }

        var history = await _node.Broker.HistoryAsync(channel, new Engine.HistoryOptions
        {
            Limit = limit,
            Reverse = request.Reverse,
            Since = request.Since is { } since ? new StreamPosition(since.Offset, since.Epoch) : null,
            MetaTtl = _node.MetaTtl(options),
        }, CancellationToken.None).ConfigureAwait(false);

        if (request.Since is { Epoch.Length: > 0 } s && s.Epoch != history.Position.Epoch)
        {
            WriteError(id, ClientError.UnrecoverablePosition);
            return null;
        }

        var result = new HistoryResult { Epoch = history.Position.Epoch, Offset = history.Position.Offset };
        result.Publications.Add(history.Publications.Select(Published));
        WriteReply(new Reply { Id = id, History = result });
        return null;
    }

    private Disconnect? HandleRpc(uint id, RPCRequest request)
    {
        if (_node.Options.Rpc.PingEnabled && request.Method == _node.Options.Rpc.PingMethod)
        {
            WriteReply(new Reply { Id = id, Rpc = new RPCResult() });
            return null;
        }

        WriteError(id, ClientError.MethodNotFound);
        return null;
    }

    /// <summary>
    /// Centrifugo's rule for publish, presence and history access: allowed for any client, or for subscribers of
    /// the channel, each only for authenticated users unless the anonymous flag is on; insecure mode allows all.
    /// </summary>
    private bool Allowed(string channel, bool forClient, bool forSubscriber, bool forAnonymous)
    {
        var identityOk = UserId.Length > 0 || forAnonymous;
        return (forClient && identityOk)
            || (forSubscriber && identityOk && IsSubscribed(channel))
            || _options.Insecure;
    }

    /// <summary>A refused request: the error reply is already queued; <see cref="Disconnect"/> is set when the connection must close.</summary>
    private sealed record Refusal(Disconnect? Disconnect);
}
