using System.Globalization;

namespace Gyre.Redis;

/// <summary>The topology one address entry selects.</summary>
internal enum RedisTopology
{
    /// <summary>One server (possibly with replicas the client ignores).</summary>
    Standalone,

    /// <summary>Redis Cluster: the endpoints are seeds; the client discovers every node.</summary>
    Cluster,

    /// <summary>Sentinels that name the current master of <see cref="RedisAddress.MasterName"/>.</summary>
    Sentinel,
}

/// <summary>
/// One shard's address entry, parsed: comma-separated <c>host:port</c> or URLs
/// (<c>redis://</c>, <c>rediss://</c>, <c>tcp://</c>, <c>redis+cluster://</c>, <c>redis+sentinel://</c>, <c>rediss+sentinel://</c>)
/// with optional <c>user:password@</c>, <c>/db</c> and <c>?sentinel_master_name=</c>, as Centrifugo accepts them.
/// </summary>
internal sealed record RedisAddress(
    IReadOnlyList<(string Host, int Port)> Endpoints,
    RedisTopology Topology,
    string? User,
    string? Password,
    int? Db,
    bool Tls,
    string? MasterName)
{
    /// <summary>Default ports: 6379 for Redis, 26379 for Sentinel.</summary>
    private const int RedisPort = 6379;
    private const int SentinelPort = 26379;

    /// <summary>Parses an entry; <paramref name="topology"/> is what the list it came from implies.</summary>
    /// <exception cref="FormatException">The entry is neither <c>host:port</c> nor a supported URL.</exception>
    public static RedisAddress Parse(string entry, RedisTopology topology)
    {
        var parts = entry.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new FormatException("Empty Redis address.");
        }

        var endpoints = new List<(string, int)>(parts.Length);
        string? user = null, password = null, masterName = null;
        int? db = null;
        var tls = false;
        foreach (var part in parts)
        {
            if (!part.Contains("://", StringComparison.Ordinal))
            {
                endpoints.Add(HostPort(part, topology == RedisTopology.Sentinel ? SentinelPort : RedisPort, entry));
                continue;
            }

            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri))
            {
                throw new FormatException($"Malformed Redis address '{Redact(part)}': not a valid URL.");
            }

            switch (uri.Scheme)
            {
                case "redis" or "tcp":
                    break;
                case "rediss":
                    tls = true;
                    break;
                case "redis+cluster":
                    topology = RedisTopology.Cluster;
                    break;
                case "redis+sentinel":
                    topology = RedisTopology.Sentinel;
                    break;
                case "rediss+sentinel":
                    topology = RedisTopology.Sentinel;
                    tls = true;
                    break;
                default:
                    throw new FormatException($"Unsupported Redis address scheme '{uri.Scheme}' in '{Redact(part)}'.");
            }

            var defaultPort = topology == RedisTopology.Sentinel ? SentinelPort : RedisPort;
            endpoints.Add((uri.Host, uri.IsDefaultPort || uri.Port < 0 ? defaultPort : uri.Port));
            if (uri.UserInfo.Length > 0)
            {
                var userInfo = uri.UserInfo.Split(':', 2);
                user = userInfo[0].Length > 0 ? Uri.UnescapeDataString(userInfo[0]) : null;
                password = userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : null;
            }

            var path = uri.AbsolutePath.Trim('/');
            if (path.Length > 0)
            {
                db = int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                    ? number
                    : throw new FormatException($"Malformed Redis address '{Redact(part)}': database '{path}' is not a number.");
            }

            foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = pair.Split('=', 2);
                if (kv.Length == 2 && kv[0] == "sentinel_master_name")
                {
                    masterName = Uri.UnescapeDataString(kv[1]);
                    topology = RedisTopology.Sentinel;
                }
            }
        }

        return new RedisAddress(endpoints, topology, user, password, db, tls, masterName);
    }

    private static (string, int) HostPort(string part, int defaultPort, string entry)
    {
        var colon = part.LastIndexOf(':');
        if (colon < 0)
        {
            return (part, defaultPort);
        }

        var host = part[..colon].Trim('[', ']');
        if (host.Length == 0 || !int.TryParse(part.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is <= 0 or > 65535)
        {
            throw new FormatException($"Malformed Redis address '{Redact(entry)}': expected host:port or a redis:// URL.");
        }

        return (host, port);
    }

    /// <summary>Hides a password in error messages.</summary>
    private static string Redact(string address)
    {
        var at = address.IndexOf('@', StringComparison.Ordinal);
        var scheme = address.IndexOf("://", StringComparison.Ordinal);
        return at > 0 && scheme > 0 && at > scheme ? string.Concat(address.AsSpan(0, scheme + 3), "***", address.AsSpan(at)) : address;
    }
}
