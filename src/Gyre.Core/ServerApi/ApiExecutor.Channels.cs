using System.Text.RegularExpressions;
using Google.Protobuf;
using Gyre.Core.Channels;
using Gyre.Protocol.Api;
using Microsoft.Extensions.Logging;

namespace Gyre.Core.ServerApi;

public sealed partial class ApiExecutor
{
    /// <summary>Who is present in a channel.</summary>
    public async ValueTask<PresenceResponse> PresenceAsync(PresenceRequest request, CancellationToken cancellationToken)
    {
        if (CheckPresence(request.Channel) is { } error)
        {
            return new PresenceResponse { Error = error };
        }

        var presence = await _node.Presence.PresenceAsync(request.Channel, cancellationToken).ConfigureAwait(false);
        var result = new PresenceResult();
        foreach (var (clientId, info) in presence)
        {
            result.Presence[clientId] = ToApi(info);
        }

        return new PresenceResponse { Result = result };
    }

    /// <summary>Counts of clients and users present in a channel.</summary>
    public async ValueTask<PresenceStatsResponse> PresenceStatsAsync(PresenceStatsRequest request, CancellationToken cancellationToken)
    {
        if (CheckPresence(request.Channel) is { } error)
        {
            return new PresenceStatsResponse { Error = error };
        }

        var stats = await _node.Presence.PresenceStatsAsync(request.Channel, cancellationToken).ConfigureAwait(false);
        return new PresenceStatsResponse { Result = new PresenceStatsResult { NumClients = (uint)stats.NumClients, NumUsers = (uint)stats.NumUsers } };
    }

    /// <summary>A channel's history: 0 = position only, -1 = everything, N = at most N; since/reverse as in the client protocol.</summary>
    public async ValueTask<HistoryResponse> HistoryAsync(HistoryRequest request, CancellationToken cancellationToken)
    {
        if (CheckHistory(request.Channel, out var options) is { } error)
        {
            return new HistoryResponse { Error = error };
        }

        if (request.Reverse && request.Since is { Offset: 0 })
        {
            return new HistoryResponse { Error = ApiErrors.BadRequest };
        }

        Engine.HistoryResult history;
        try
        {
            history = await _node.Broker.HistoryAsync(request.Channel, new Engine.HistoryOptions
            {
                Limit = request.Limit,
                Reverse = request.Reverse,
                Since = request.Since is { } since ? new Engine.StreamPosition(since.Offset, since.Epoch) : null,
                MetaTtl = _node.MetaTtl(options),
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (NotSupportedException)
        {
            // A broker without history (NATS), as Centrifugo answers it.
            return new HistoryResponse { Error = ApiErrors.NotAvailable };
        }
        if (request.Since is { Epoch.Length: > 0 } s && s.Epoch != history.Position.Epoch)
        {
            return new HistoryResponse { Error = ApiErrors.UnrecoverablePosition };
        }

        var result = new HistoryResult { Epoch = history.Position.Epoch, Offset = history.Position.Offset };
        foreach (var publication in history.Publications)
        {
            var item = new Publication { Data = publication.Data, Offset = publication.Offset, Info = publication.Info is { } info ? ToApi(info) : null };
            item.Tags.Add(publication.Tags);
            result.Publications.Add(item);
        }

        return new HistoryResponse { Result = result };
    }

    /// <summary>Drops a channel's publications; its position (offset, epoch) stays.</summary>
    public async ValueTask<HistoryRemoveResponse> HistoryRemoveAsync(HistoryRemoveRequest request, CancellationToken cancellationToken)
    {
        if (CheckHistory(request.Channel, out _) is { } error)
        {
            return new HistoryRemoveResponse { Error = error };
        }

        try
        {
            await _node.Broker.RemoveHistoryAsync(request.Channel, cancellationToken).ConfigureAwait(false);
        }
        catch (NotSupportedException)
        {
            return new HistoryRemoveResponse { Error = ApiErrors.NotAvailable };
        }

        return new HistoryRemoveResponse { Result = new HistoryRemoveResult() };
    }

    /// <summary>Channels with subscribers, optionally matching a glob pattern (<c>*</c>, <c>?</c>), with subscriber counts.</summary>
    public ChannelsResponse Channels(ChannelsRequest request)
    {
        Regex? pattern = null;
        if (request.Pattern.Length > 0)
        {
            try
            {
                pattern = GlobPattern.Compile(request.Pattern);
            }
            catch (FormatException e)
            {
                ApiLog.BadPattern(_node.Log, request.Pattern, e);
                return new ChannelsResponse { Error = ApiErrors.Internal };
            }
        }

        var result = new ChannelsResult();
        foreach (var (channel, count) in _node.ChannelCounts())
        {
            if (pattern is null || pattern.IsMatch(channel))
            {
                result.Channels[channel] = new ChannelInfo { NumClients = (uint)count };
            }
        }

        return new ChannelsResponse { Result = result };
    }

    /// <summary>Server-side RPC extensions: Gyre registers none yet, so every method is 104, as in Centrifugo OSS.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Part of the executor's surface; extensions will be registered per node.")]
    public RPCResponse Rpc(RPCRequest request) =>
        new() { Error = request.Method.Length == 0 ? ApiErrors.BadRequest : ApiErrors.NotFound };

    private Error? CheckPresence(string channel)
    {
        if (channel.Length == 0)
        {
            return ApiErrors.BadRequest;
        }

        if (_node.Channels.Resolve(channel, out var options) is { Code: 102 })
        {
            return ApiErrors.UnknownChannel;
        }

        return options.Presence ? null : ApiErrors.NotAvailable;
    }

    private Error? CheckHistory(string channel, out ChannelOptions options)
    {
        options = ChannelOptions.Default;
        if (channel.Length == 0)
        {
            return ApiErrors.BadRequest;
        }

        if (_node.Channels.Resolve(channel, out options) is { Code: 102 })
        {
            return ApiErrors.UnknownChannel;
        }

        return options.HistoryEnabled ? null : ApiErrors.NotAvailable;
    }

    private static ClientInfo ToApi(Protocol.Messages.ClientInfo info) =>
        new() { User = info.User, Client = info.Client, ConnInfo = info.ConnInfo, ChanInfo = info.ChanInfo };

    private static partial class ApiLog
    {
        [LoggerMessage(101, LogLevel.Information, "channels pattern {Pattern} is not valid")]
        public static partial void BadPattern(ILogger logger, string pattern, Exception exception);
    }
}
