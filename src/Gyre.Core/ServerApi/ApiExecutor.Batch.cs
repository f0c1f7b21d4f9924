using Gyre.Protocol.Api;

namespace Gyre.Core.ServerApi;

public sealed partial class ApiExecutor
{
    /// <summary>Up to 1,024 batch commands run at once in parallel mode, as in Centrifugo.</summary>
    private const int MaxParallelBatchCommands = 1024;

    /// <summary>Runs batch commands in order (or concurrently with <c>parallel</c>); replies keep command order.</summary>
    public async ValueTask<BatchResponse> BatchAsync(BatchRequest request, CancellationToken cancellationToken)
    {
        var replies = new Reply[request.Commands.Count];
        if (request.Parallel)
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, replies.Length),
                new ParallelOptions { MaxDegreeOfParallelism = MaxParallelBatchCommands, CancellationToken = cancellationToken },
                async (i, ct) => replies[i] = await ExecuteAsync(request.Commands[i], ct).ConfigureAwait(false)).ConfigureAwait(false);
        }
        else
        {
            for (var i = 0; i < replies.Length; i++)
            {
                replies[i] = await ExecuteAsync(request.Commands[i], cancellationToken).ConfigureAwait(false);
            }
        }

        var response = new BatchResponse();
        response.Replies.Add(replies);
        return response;
    }

    /// <summary>One command of a batch (or of the legacy endpoint): the first set field wins, none is 104.</summary>
    public async ValueTask<Reply> ExecuteAsync(Command? command, CancellationToken cancellationToken)
    {
        switch (command)
        {
            case null:
                return new Reply { Error = ApiErrors.BadRequest };
            case { Publish: { } r }:
                var publish = await PublishAsync(r, cancellationToken).ConfigureAwait(false);
                return new Reply { Error = publish.Error, Publish = publish.Result };
            case { Broadcast: { } r }:
                var broadcast = await BroadcastAsync(r, cancellationToken).ConfigureAwait(false);
                return new Reply { Error = broadcast.Error, Broadcast = broadcast.Result };
            case { Subscribe: { } r }:
                var subscribe = await SubscribeAsync(r, cancellationToken).ConfigureAwait(false);
                return new Reply { Error = subscribe.Error, Subscribe = subscribe.Result };
            case { Unsubscribe: { } r }:
                var unsubscribe = await UnsubscribeAsync(r, cancellationToken).ConfigureAwait(false);
                return new Reply { Error = unsubscribe.Error, Unsubscribe = unsubscribe.Result };
            case { Disconnect: { } r }:
                var disconnect = await DisconnectAsync(r, cancellationToken).ConfigureAwait(false);
                return new Reply { Error = disconnect.Error, Disconnect = disconnect.Result };
            case { History: { } r }:
                var history = await HistoryAsync(r, cancellationToken).ConfigureAwait(false);
                return new Reply { Error = history.Error, History = history.Result };
            case { HistoryRemove: { } r }:
                var remove = await HistoryRemoveAsync(r, cancellationToken).ConfigureAwait(false);
                return new Reply { Error = remove.Error, HistoryRemove = remove.Result };
            case { Presence: { } r }:
                var presence = await PresenceAsync(r, cancellationToken).ConfigureAwait(false);
                return new Reply { Error = presence.Error, Presence = presence.Result };
            case { PresenceStats: { } r }:
                var stats = await PresenceStatsAsync(r, cancellationToken).ConfigureAwait(false);
                return new Reply { Error = stats.Error, PresenceStats = stats.Result };
            case { Info: { } r }:
                var info = Info(r);
                return new Reply { Error = info.Error, Info = info.Result };
            case { Rpc: { } r }:
                var rpc = Rpc(r);
                return new Reply { Error = rpc.Error, Rpc = rpc.Result };
            case { Refresh: { } r }:
                var refresh = await RefreshAsync(r, cancellationToken).ConfigureAwait(false);
                return new Reply { Error = refresh.Error, Refresh = refresh.Result };
            case { Channels: { } r }:
                var channels = Channels(r);
                return new Reply { Error = channels.Error, Channels = channels.Result };
            default:
                return new Reply { Error = ApiErrors.NotFound };
        }
    }
}
