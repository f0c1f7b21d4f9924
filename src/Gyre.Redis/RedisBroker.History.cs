using System.Globalization;
using Google.Protobuf;
using Gyre.Core.Engine;
using Gyre.Protocol.Messages;
using StackExchange.Redis;

namespace Gyre.Redis;

public sealed partial class RedisBroker
{
    /// <inheritdoc/>
    /// <remarks>
    /// Without history or idempotency key this is one <c>PUBLISH</c>; otherwise one script call, so a publish costs
    /// one round trip either way. TTLs are sent in milliseconds and enforced by Redis's clock.
    /// </remarks>
    public async ValueTask<PublishResult> PublishAsync(string channel, Publication publication, PublishOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var shard = _connection.ShardFor(channel);
        var keys = shard.Keys;
        var payload = publication.ToByteArray();
        if (!options.UseHistory)
        {
            if (options.IdempotencyKey is null)
            {
                await shard.Database.PublishAsync(keys.PubSubChannel(channel), payload).ConfigureAwait(false);
                return new PublishResult(StreamPosition.None, Suppressed: false);
            }

            var plain = await shard.Database.ScriptEvaluateAsync(
                RedisScripts.PublishIdempotent,
                [keys.IdempotencyResult(channel, options.IdempotencyKey)],
                [payload, keys.PubSubChannelName(channel), keys.PublishCommand, Milliseconds(options.IdempotentResultTtl)]).ConfigureAwait(false);
            return ReadPublishResult(plain);
        }

        var master = await shard.MasterIdAsync().ConfigureAwait(false);
        RedisKey[] scriptKeys = options.IdempotencyKey is { } key
            ? [keys.HistoryStream(channel), keys.HistoryMeta(channel), keys.IdempotencyResult(channel, key)]
            : [keys.HistoryStream(channel), keys.HistoryMeta(channel)];
        var result = await shard.Database.ScriptEvaluateAsync(
            RedisScripts.Publish,
            scriptKeys,
            [
                payload,
                options.HistorySize,
                Milliseconds(options.HistoryTtl),
                Milliseconds(options.HistoryMetaTtl),
                Epochs.New(),
                keys.PubSubChannelName(channel),
                keys.PublishCommand,
                Milliseconds(options.IdempotentResultTtl),
                options.Version.ToString(CultureInfo.InvariantCulture),
                options.VersionEpoch ?? "",
                master.Id,
                master.PreviousId,
            ]).ConfigureAwait(false);
        return ReadPublishResult(result);
    }

    /// <inheritdoc/>
    /// <remarks>A channel never published to gets an epoch on its first read, as in the memory broker.</remarks>
    public async ValueTask<HistoryResult> HistoryAsync(string channel, HistoryOptions options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var shard = _connection.ShardFor(channel);
        var (command, start, end) = Range(options);
        var master = await shard.MasterIdAsync().ConfigureAwait(false);
        var result = await shard.Database.ScriptEvaluateAsync(
            RedisScripts.History,
            [shard.Keys.HistoryStream(channel), shard.Keys.HistoryMeta(channel)],
            [command, start, end, Math.Max(options.Limit, 0), Milliseconds(options.MetaTtl), Epochs.New(), master.Id, master.PreviousId]).ConfigureAwait(false);

        var reply = (RedisResult[])result!;
        var position = new StreamPosition((ulong)(long)reply[0], (string)reply[1]!);
        if (command.Length == 0 || reply.Length < 3 || reply[2].IsNull)
        {
            return new HistoryResult([], position);
        }

        var entries = (RedisResult[])reply[2]!;
        var publications = new List<Publication>(entries.Length);
        foreach (var entry in entries)
        {
            publications.Add(ReadEntry((RedisResult[])entry!));
        }

        return new HistoryResult(publications, position);
    }

    /// <inheritdoc/>
    /// <remarks>Deletes the stream only; the meta hash keeps the epoch and top offset, so the next offset continues.</remarks>
    public async ValueTask RemoveHistoryAsync(string channel, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var shard = _connection.ShardFor(channel);
        await shard.Database.KeyDeleteAsync(shard.Keys.HistoryStream(channel)).ConfigureAwait(false);
    }

    /// <summary>The stream command and bounds for a read; an empty command reads only the position.</summary>
    private static (string Command, string Start, string End) Range(HistoryOptions options)
    {
        if (options.Limit == 0)
        {
            return ("", "", "");
        }

        if (!options.Reverse)
        {
            return options.Since is not { } since ? ("xrange", "-", "+")
                : since.Offset >= long.MaxValue ? ("", "", "")
                : ("xrange", Offset(since.Offset + 1), "+");
        }

        return options.Since is not { } before ? ("xrevrange", "+", "-")
            : before.Offset <= 1 ? ("", "", "")
            : ("xrevrange", Offset(before.Offset - 1), "-");
    }

    private static string Offset(ulong offset) => offset.ToString(CultureInfo.InvariantCulture);

    private static PublishResult ReadPublishResult(RedisResult result)
    {
        var reply = (RedisResult[])result!;
        var offset = (ulong)(long)reply[0];
        var epoch = (string?)reply[1] ?? "";
        var position = offset == 0 && epoch.Length == 0 ? StreamPosition.None : new StreamPosition(offset, epoch);
        return new PublishResult(position, Suppressed: (long)reply[2] == 1);
    }

    /// <summary>Reads a stream entry <c>[id, [field, value, …]]</c>: the id is <c>{offset}-0</c>, field <c>d</c> the publication.</summary>
    private static Publication ReadEntry(RedisResult[] entry)
    {
        var id = (string)entry[0]!;
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || !ulong.TryParse(id.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
        {
            throw new InvalidDataException($"Unexpected history stream entry id '{id}'.");
        }

        var fields = (RedisResult[])entry[1]!;
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            if ((string?)fields[i] == "d")
            {
                var publication = Publication.Parser.ParseFrom((byte[])fields[i + 1]!);
                publication.Offset = offset;
                return publication;
            }
        }

        throw new InvalidDataException($"History stream entry '{id}' has no publication field.");
    }

    private static long Milliseconds(TimeSpan value) => value <= TimeSpan.Zero ? 0 : (long)Math.Ceiling(value.TotalMilliseconds);
}
