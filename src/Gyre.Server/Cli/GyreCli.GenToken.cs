using System.CommandLine;
using System.Text.Json.Nodes;
using Gyre.Server.Configuration;

namespace Gyre.Server.Cli;

public static partial class GyreCli
{
    /// <summary>Default <c>--ttl</c>: one week, printed as Go's <c>168h0m0s</c>.</summary>
    private const long DefaultTokenTtlSeconds = 7 * 24 * 3600;

    /// <summary>The longest TTL a Go duration (int64 nanoseconds) can express, about 292 years.</summary>
    private const long MaxTokenTtlSeconds = long.MaxValue / 1_000_000_000;

    private static Command GenTokenCommand(CliContext context)
    {
        var config = ConfigOption("path to config file");
        var user = new Option<string>("--user", "-u") { Description = "user ID, by default anonymous", DefaultValueFactory = _ => "" };
        var ttl = new Option<long>("--ttl", "-t")
        {
            Description = "token TTL in seconds, use -1 for token without expiration",
            DefaultValueFactory = _ => DefaultTokenTtlSeconds,
        };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "only output the token without anything else" };
        var command = new Command("gentoken", "Generate sample connection JWT for user") { config, user, ttl, quiet };
        command.SetAction(parseResult => Guard(context, () =>
        {
            var token = Load(context, parseResult, config).Config.Client.Token;
            if (token.HmacSecretKey.Length == 0)
            {
                return Fail(context,
                    "gentoken only generates HMAC-signed tokens, but no HMAC secret key is set in the configuration (client.token.hmac_secret_key)");
            }
            var userId = parseResult.GetValue(user) ?? "";
            var ttlSeconds = parseResult.GetValue(ttl);
            if (ttlSeconds > MaxTokenTtlSeconds)
            {
                return Fail(context, $"ttl {ttlSeconds} is too large (at most {MaxTokenTtlSeconds} seconds)");
            }

            var jwt = JwtSigner.SignHs256(token.HmacSecretKey, ConnectionClaims(userId, ttlSeconds, token.UserIdClaim, context.Time));
            return WriteToken(context, jwt, parseResult.GetValue(quiet), userId, channel: null, ttlSeconds);
        }));
        return command;
    }

    /// <summary>
    /// Prints a generated token: alone with <c>--quiet</c>, else after Centrifugo's line naming the user (and channel)
    /// and the TTL as a Go duration.
    /// </summary>
    private static int WriteToken(CliContext context, string jwt, bool quiet, string userId, string? channel, long ttlSeconds)
    {
        if (quiet)
        {
            context.Output.Write(jwt);
            return 0;
        }

        var subject = userId.Length == 0 ? "anonymous user" : $"user \"{userId}\"";
        var scope = channel is null ? "" : $" and channel \"{channel}\"";
        var expiration = ttlSeconds >= 0 ? $"with expiration TTL {GoDuration.Format(TimeSpan.FromSeconds(ttlSeconds))}" : "without expiration";
        context.Output.Write($"HMAC SHA-256 JWT for {subject}{scope} {expiration}:\n{jwt}\n");
        return 0;
    }

    /// <summary>
    /// Centrifugo's gentoken claims in its order: <c>sub</c> (omitted for anonymous), <c>exp</c> (only for a positive
    /// TTL), <c>iat</c>, then the configured <c>user_id_claim</c> holding the user ID too.
    /// </summary>
    internal static JsonObject ConnectionClaims(string userId, long ttlSeconds, string userIdClaim, TimeProvider time)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var claims = new JsonObject();
        if (userId.Length > 0)
        {
            claims["sub"] = userId;
        }
        if (ttlSeconds > 0)
        {
            claims["exp"] = now + ttlSeconds;
        }
        claims["iat"] = now;
        if (userIdClaim.Length > 0)
        {
            claims[userIdClaim] = userId;
        }
        return claims;
    }
}
