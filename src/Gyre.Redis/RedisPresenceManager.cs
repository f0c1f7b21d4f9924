using Google.Protobuf;
using Gyre.Core.Engine;
using StackExchange.Redis;

namespace Gyre.Redis;

/// <summary>
/// Cluster-wide presence in Redis: per channel a hash of client id → <c>ClientInfo</c> and a sorted set of client
/// id → expiry, so entries of a node that died without cleaning up disappear after the TTL.
/// </summary>
/// <remarks>
/// <para>Redis 7.0 has no per-field hash TTL (<c>HEXPIRE</c> came in 7.4), hence the sorted set. Expiry is judged by
/// this node's clock in whole unix seconds, as in Centrifugo; the key TTLs only collect channels nobody refreshes.</para>
/// <para>With <see cref="RedisEngineOptions.PresenceUserMapping"/> a second hash and sorted set count each user's
/// clients, so stats cost two <c>ZCARD</c>s; without it stats read every entry and count distinct users here.</para>
/// </remarks>
public sealed class RedisPresenceManager : IPresenceManager
{
    private readonly RedisConnection _connection;
    private readonly TimeProvider _time;
    private readonly long _ttlSeconds;
    private readonly RedisValue _mapping;

    /// <summary>Creates the manager over an open connection.</summary>
    /// <param name="connection">The Redis shards; owned by the caller, who disposes it after the manager.</param>
    /// <param name="time">The clock entries expire by; the system clock by default.</param>
    public RedisPresenceManager(RedisConnection connection, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _time = time ?? TimeProvider.System;
        _ttlSeconds = (long)Math.Ceiling(connection.Options.PresenceTtl.TotalSeconds);
        _mapping = connection.Options.PresenceUserMapping ? "1" : "0";
    }

    /// <inheritdoc/>
    public async ValueTask AddPresenceAsync(string channel, string clientId, ClientInfo info, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var shard = _connection.ShardFor(channel);
        var expiresAt = _time.GetUtcNow().ToUnixTimeSeconds() + _ttlSeconds;
        await shard.Database.ScriptEvaluateAsync(
            RedisScripts.PresenceAdd,
            AllKeys(shard.Keys, channel),
            [_ttlSeconds, expiresAt, clientId, info.ToByteArray(), info.User, _mapping]).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask RemovePresenceAsync(string channel, string clientId, string userId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var shard = _connection.ShardFor(channel);
        await shard.Database.ScriptEvaluateAsync(
            RedisScripts.PresenceRemove,
            AllKeys(shard.Keys, channel),
            [clientId, userId, _mapping]).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyDictionary<string, ClientInfo>> PresenceAsync(string channel, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var shard = _connection.ShardFor(channel);
        var result = await shard.Database.ScriptEvaluateAsync(
            RedisScripts.PresenceGet,
            [shard.Keys.PresenceExpiry(channel), shard.Keys.PresenceData(channel)],
            [_time.GetUtcNow().ToUnixTimeSeconds()]).ConfigureAwait(false);

        var flat = (RedisResult[])result!;
        var entries = new Dictionary<string, ClientInfo>(flat.Length / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < flat.Length; i += 2)
        {
            entries[(string)flat[i]!] = ClientInfo.Parser.ParseFrom((byte[])flat[i + 1]!);
        }

        return entries;
    }

    /// <inheritdoc/>
    public async ValueTask<PresenceStats> PresenceStatsAsync(string channel, CancellationToken cancellationToken)
    {
        if (!_connection.Options.PresenceUserMapping)
        {
            var entries = await PresenceAsync(channel, cancellationToken).ConfigureAwait(false);
            var users = new HashSet<string>(StringComparer.Ordinal);
            foreach (var info in entries.Values)
            {
                users.Add(info.User);
            }

            return new PresenceStats(entries.Count, users.Count);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var shard = _connection.ShardFor(channel);
        var result = await shard.Database.ScriptEvaluateAsync(
            RedisScripts.PresenceStats,
            AllKeys(shard.Keys, channel),
            [_time.GetUtcNow().ToUnixTimeSeconds()]).ConfigureAwait(false);
        var counts = (RedisResult[])result!;
        return new PresenceStats((int)counts[0], (int)counts[1]);
    }

    /// <inheritdoc/>
    /// <remarks>Nothing to release: the <see cref="RedisConnection"/> belongs to its creator.</remarks>
    public ValueTask DisposeAsync() => default;

    private static RedisKey[] AllKeys(RedisKeys keys, string channel) =>
        [keys.PresenceExpiry(channel), keys.PresenceData(channel), keys.PresenceUserExpiry(channel), keys.PresenceUserClients(channel)];
}
