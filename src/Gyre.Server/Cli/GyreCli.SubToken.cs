using System.Buffers.Text;
using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gyre.Core.Auth;
using Gyre.Server.Configuration;

namespace Gyre.Server.Cli;

public static partial class GyreCli
{
    private static Command GenSubTokenCommand(CliContext context)
    {
        var config = ConfigOption("path to config file");
        var user = new Option<string>("--user", "-u") { Description = "user ID", DefaultValueFactory = _ => "" };
        var channel = new Option<string>("--channel", "-s") { Description = "channel", DefaultValueFactory = _ => "" };
        var ttl = new Option<long>("--ttl", "-t")
        {
            Description = "token TTL in seconds, use -1 for token without expiration",
            DefaultValueFactory = _ => DefaultTokenTtlSeconds,
        };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "only output the token without anything else" };
        var command = new Command("gensubtoken", "Generate sample subscription JWT for user") { config, user, channel, ttl, quiet };
        command.SetAction(parseResult => Guard(context, () =>
        {
            var client = Load(context, parseResult, config).Config.Client;
            var channelName = parseResult.GetValue(channel) ?? "";
            if (channelName.Length == 0)
            {
                context.Output.WriteLine("channel is required");
                return 1;
            }

            var token = SubscriptionTokenConfig(client);
            if (token.HmacSecretKey.Length == 0)
            {
                return Fail(context,
                    "gensubtoken only supports generating HMAC-signed tokens, but no HMAC secret key is set in the configuration "
                    + "(client.subscription_token.hmac_secret_key, or client.token.hmac_secret_key when subscription token is not "
                    + "separately configured) – if you use RSA/ECDSA/JWKS token verification you need to generate the JWT with your own tooling");
            }

            var userId = parseResult.GetValue(user) ?? "";
            var ttlSeconds = parseResult.GetValue(ttl);
            if (ttlSeconds > MaxTokenTtlSeconds)
            {
                return Fail(context, $"ttl {ttlSeconds} is too large (at most {MaxTokenTtlSeconds} seconds)");
            }

            var claims = ConnectionClaims(userId, ttlSeconds, "", context.Time);
            claims["channel"] = channelName;
            if (token.UserIdClaim.Length > 0)
            {
                claims[token.UserIdClaim] = userId;
            }

            var jwt = JwtSigner.SignHs256(token.HmacSecretKey, claims);
            return WriteToken(context, jwt, parseResult.GetValue(quiet), userId, channelName, ttlSeconds);
        }));
        return command;
    }

    private static Command CheckTokenCommand(CliContext context)
    {
        var config = ConfigOption("path to config file");
        var token = new Argument<string[]>("TOKEN") { Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("checktoken", "Check connection JWT") { config, token };
        command.SetAction(parseResult => Guard(context, () =>
        {
            var client = Load(context, parseResult, config).Config.Client;
            if (parseResult.GetValue(token) is not [var jwt])
            {
                return Fail(context, "provide token to check [gyre checktoken <TOKEN>]");
            }

            using var verifier = CreateVerifier(client.Token, "client.token", context.Time);
            var result = verifier.VerifyConnectionTokenAsync(jwt, cancellationToken: CancellationToken.None).AsTask().GetAwaiter().GetResult();
            if (result.Token is not { } valid)
            {
                return Fail(context, DescribeRejection(jwt, result.Status, result.Problem));
            }

            var subject = valid.UserId.Length == 0 ? "anonymous user" : $"user {valid.UserId}";
            context.Output.Write($"valid token for {subject}\npayload: {UnverifiedPart(jwt, 1)}\n");
            return 0;
        }));
        return command;
    }

    private static Command CheckSubTokenCommand(CliContext context)
    {
        var config = ConfigOption("path to config file");
        var token = new Argument<string[]>("TOKEN") { Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("checksubtoken", "Check subscription JWT") { config, token };
        command.SetAction(parseResult => Guard(context, () =>
        {
            var client = Load(context, parseResult, config).Config.Client;
            if (parseResult.GetValue(token) is not [var jwt])
            {
                return Fail(context, "provide token to check [gyre checksubtoken <TOKEN>]");
            }

            var (tokenConfig, key) = client.SubscriptionToken.Enabled
                ? (client.SubscriptionToken, "client.subscription_token")
                : (client.Token, "client.token");
            using var verifier = CreateVerifier(tokenConfig, key, context.Time);
            var result = verifier.VerifySubscriptionTokenAsync(jwt, cancellationToken: CancellationToken.None).AsTask().GetAwaiter().GetResult();
            if (result.Token is not { } valid)
            {
                return Fail(context, DescribeRejection(jwt, result.Status, result.Problem));
            }

            var subject = valid.UserId.Length == 0 ? "anonymous user" : $"user \"{valid.UserId}\"";
            context.Output.Write($"valid subscription token for {subject} and channel \"{valid.Channel}\"\npayload: {UnverifiedPart(jwt, 1)}\n");
            return 0;
        }));
        return command;
    }

    /// <summary>Subscription tokens are signed with <c>client.subscription_token</c> when it is enabled, else with the connection token's keys.</summary>
    private static TokenConfig SubscriptionTokenConfig(ClientConfig client) =>
        client.SubscriptionToken.Enabled ? client.SubscriptionToken : client.Token;

    private static TokenVerifier CreateVerifier(TokenConfig token, string key, TimeProvider time)
    {
        var options = ConfigMapper.ToTokenOptions(token);
        if (TokenVerifier.Validate(options) is { } problem)
        {
            throw new ConfigException($"{key}: {problem}");
        }

        return new TokenVerifier(options, time);
    }

    /// <summary>Centrifugo's wording: the algorithm and claims as sent (unverified, for the operator to read) and why they were refused.</summary>
    private static string DescribeRejection(string jwt, TokenStatus status, string? problem)
    {
        var header = UnverifiedPart(jwt, 0);
        var claims = UnverifiedPart(jwt, 1);
        if (header is null || claims is null)
        {
            return "malformed token: " + (problem ?? "not three base64url parts");
        }

        var algorithm = "unknown";
        try
        {
            algorithm = JsonNode.Parse(header)?["alg"]?.GetValue<string>() ?? algorithm;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // The header is not JSON or alg not a string: the verifier's problem says so.
        }

        var reason = status == TokenStatus.Expired ? "token expired" : problem ?? "invalid token";
        return $"token with algorithm {algorithm} and claims {claims} has error: {reason}";
    }

    /// <summary>Part <paramref name="index"/> of a compact JWT decoded as UTF-8, or null when it is not base64url.</summary>
    private static string? UnverifiedPart(string jwt, int index)
    {
        var parts = jwt.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[index]));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
