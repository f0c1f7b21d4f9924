using System.Text.RegularExpressions;
using Gyre.Core.Auth;
using Gyre.Core.Channels;

namespace Gyre.Server.Configuration;

/// <summary>
/// The rules Centrifugo's <c>Config.Validate</c> applies to the keys Gyre binds, reported with the key path and the
/// source of the offending value. Like Centrifugo, the first violation stops the check.
/// </summary>
internal static partial class ConfigValidator
{
    private static readonly string[] ErrorModes = ["", HttpApiConfig.TransportErrorMode];
    private static readonly string[] PublicationDataFormats = ["", "json", "json_object", "binary"];
    private static readonly string[] RecoveryModes = ["", "stream", "cache"];
    private static readonly string[] DeltaTypes = ["fossil"];
    private static readonly string[] SubscriptionTypes = ["", "stream", "map", "map_clients", "map_users", "shared_poll"];

    public static void Validate(GyreConfig config, ConfigTree tree)
    {
        var check = new Checker(tree);

        check.That(LogConfig.Levels.Contains(config.Log.Level), "log.level",
            $"unknown log level {GoStrconv.Quote(config.Log.Level)} (use one of {string.Join(", ", LogConfig.Levels)})");
        check.That(config.HttpServer.Port is > 0 and <= 65535, "http_server.port", $"port {config.HttpServer.Port} is out of range 1-65535");

        // Centrifugo registers the prefix with Go's ServeMux, where "swagger/" without the slash is a host pattern
        // that never matches a request path, so such a value could only hide the document.
        check.That(!config.Swagger.Enabled || config.Swagger.HandlerPrefix.StartsWith('/'), "swagger.handler_prefix",
            $"{GoStrconv.Quote(config.Swagger.HandlerPrefix)} must start with /");

        var client = config.Client;
        if (client.PingInterval > TimeSpan.Zero && client.PongTimeout > TimeSpan.Zero && client.PingInterval <= client.PongTimeout)
        {
            var intervalSource = tree.SourceOf("client.ping_interval").Description;
            throw new ConfigException(
                $"client.ping_interval ({GoDuration.Format(client.PingInterval)}, from {intervalSource}) " +
                $"must be greater than client.pong_timeout ({GoDuration.Format(client.PongTimeout)}, from {tree.SourceOf("client.pong_timeout")})",
                "client.ping_interval",
                intervalSource);
        }

        foreach (var (token, path) in new[] { (client.Token, "client.token"), (client.SubscriptionToken, "client.subscription_token") })
        {
            check.That(token.UserIdClaim.Length == 0 || UserIdClaim().IsMatch(token.UserIdClaim), ConfigTree.Join(path, "user_id_claim"),
                $"invalid custom user ID claim {GoStrconv.Quote(token.UserIdClaim)} (must match {UserIdClaim()})");
        }

        // Centrifugo builds the subscription token verifier (and so checks its keys) only when it is enabled.
        Token(check, client.Token, "client.token");
        if (client.SubscriptionToken.Enabled)
        {
            Token(check, client.SubscriptionToken, "client.subscription_token");
        }

        check.That(ErrorModes.Contains(config.HttpApi.ErrorMode), "http_api.error_mode",
            $"unknown error mode {GoStrconv.Quote(config.HttpApi.ErrorMode)} (only \"transport\" is accepted)");
        check.That(ErrorModes.Contains(config.GrpcApi.ErrorMode), "grpc_api.error_mode",
            $"unknown error mode {GoStrconv.Quote(config.GrpcApi.ErrorMode)} (only \"transport\" is accepted)");
        check.That(config.GrpcApi.Port is > 0 and <= 65535, "grpc_api.port", $"port {config.GrpcApi.Port} is out of range");
        check.That(config.UniGrpc.Port is > 0 and <= 65535, "uni_grpc.port", $"port {config.UniGrpc.Port} is out of range");
        foreach (var (size, path) in new[]
        {
            (config.HttpStream.MaxRequestBodySize, "http_stream.max_request_body_size"),
            (config.Sse.MaxRequestBodySize, "sse.max_request_body_size"),
            (config.Emulation.MaxRequestBodySize, "emulation.max_request_body_size"),
            (config.UniHttpStream.MaxRequestBodySize, "uni_http_stream.max_request_body_size"),
            (config.UniSse.MaxRequestBodySize, "uni_sse.max_request_body_size"),
            (config.UniWebSocket.MessageSizeLimit, "uni_websocket.message_size_limit"),
        })
        {
            check.That(size > 0, path, $"{size} must be a positive number of bytes");
        }

        foreach (var (uni, path) in new (UniStreamTransportConfig, string)[] { (config.UniHttpStream, "uni_http_stream"), (config.UniSse, "uni_sse") })
        {
            var transforms = uni.ConnectCodeToHttpResponse.Transforms;
            for (var i = 0; i < transforms.Count; i++)
            {
                var status = transforms[i].To.StatusCode;
                check.That(status is >= 100 and <= 599, $"{path}.connect_code_to_http_response.transforms[{i}].to.status_code",
                    $"{status} is not an HTTP status code");
            }
        }
        check.That(config.GrpcClient.Port is > 0 and <= 65535, "grpc_client.port", $"port {config.GrpcClient.Port} is out of range");

        var channel = config.Channel;
        check.WholeSeconds(channel.HistoryMetaTtl, "channel.history_meta_ttl");
        check.That(PublicationDataFormats.Contains(channel.PublicationDataFormat), "channel.publication_data_format",
            $"unknown publication data format {GoStrconv.Quote(channel.PublicationDataFormat)}");

        ChannelOptions(check, channel.WithoutNamespace, "channel.without_namespace", channel.HistoryMetaTtl);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < channel.Namespaces.Count; i++)
        {
            var ns = channel.Namespaces[i];
            var path = ConfigTree.Join("channel.namespaces", i);
            UniqueName(check, names, ns.Name, path, "namespace");
            ChannelOptions(check, ns, path, channel.HistoryMetaTtl);
        }

        PersonalChannel(check, client.SubscribeToUserPersonalChannel, channel);
        Rpc(check, config.Rpc);
        Engine(check, config);
        Listeners(check, config);
    }

    /// <summary>The TLS objects of the listeners Gyre opens; a disabled endpoint's TLS is not read, as in Centrifugo.</summary>
    private static void Listeners(Checker check, GyreConfig config)
    {
        check.Tls(config.HttpServer.Tls, "http_server.tls", server: true);
        if (config.GrpcApi.Enabled)
        {
            check.Tls(config.GrpcApi.Tls, "grpc_api.tls", server: true);
        }

        if (config.UniGrpc.Enabled)
        {
            check.Tls(config.UniGrpc.Tls, "uni_grpc.tls", server: true);
        }

        if (config.GrpcClient.Enabled)
        {
            check.Tls(config.GrpcClient.Tls, "grpc_client.tls", server: true);
        }
    }

    /// <summary>
    /// The engine, broker and presence manager types, and the Redis and NATS sections that the chosen types will use:
    /// a section nobody uses is not checked, as in Centrifugo.
    /// </summary>
    private static void Engine(Checker check, GyreConfig config)
    {
        check.That(EngineConfig.Types.Contains(config.Engine.Type), "engine.type",
            $"unknown engine type {GoStrconv.Quote(config.Engine.Type)} (use one of {string.Join(", ", EngineConfig.Types)})");
        var broker = config.Broker;
        if (broker.Enabled)
        {
            check.That(BrokerConfig.Types.Contains(broker.Type), "broker.type",
                $"unknown broker type {GoStrconv.Quote(broker.Type)} (Gyre supports {string.Join(", ", BrokerConfig.Types)})");
        }

        var presence = config.PresenceManager;
        if (presence.Enabled)
        {
            check.That(PresenceManagerConfig.Types.Contains(presence.Type), "presence_manager.type",
                $"unknown presence manager type {GoStrconv.Quote(presence.Type)} (use one of {string.Join(", ", PresenceManagerConfig.Types)})");
        }

        var engineRedisUsed = config.Engine.Type == "redis" && (!broker.Enabled || !presence.Enabled);
        if (engineRedisUsed)
        {
            Redis(check, config.Engine.Redis, "engine.redis");
        }

        if (broker.Enabled && broker.Type == "redis")
        {
            Redis(check, broker.Redis, "broker.redis");
        }

        if (broker.Enabled && broker.Type == "nats")
        {
            var nats = broker.Nats;
            check.That(nats.Url.Trim().Length > 0, "broker.nats.url", "a NATS server URL is required");
            check.That(nats.Prefix.Length > 0, "broker.nats.prefix", "prefix must not be empty");
            check.That(nats.DialTimeout > TimeSpan.Zero, "broker.nats.dial_timeout", "must be positive");
            check.That(nats.WriteTimeout > TimeSpan.Zero, "broker.nats.write_timeout", "must be positive");
            check.That(!nats.AllowWildcards, "broker.nats.allow_wildcards", "wildcard subscriptions are not supported by Gyre");
            check.Tls(nats.Tls, "broker.nats.tls", server: false);
        }

        if (presence.Enabled && presence.Type == "redis")
        {
            Redis(check, presence.Redis, "presence_manager.redis");
        }
    }

    private static void Redis(Checker check, RedisConfig redis, string path)
    {
        string Key(string key) => ConfigTree.Join(path, key);

        foreach (var (key, list, cluster, sentinel) in new[]
        {
            ("address", redis.Address, false, false),
            ("cluster_address", redis.ClusterAddress, true, false),
            ("sentinel_address", redis.SentinelAddress, false, true),
        })
        {
            for (var i = 0; i < list.Count; i++)
            {
                var problem = Gyre.Redis.RedisConnection.AddressProblem(list[i], cluster, sentinel);
                check.That(problem is null, ConfigTree.Join(Key(key), i), problem ?? "");
            }
        }

        check.That(redis.Address.Count > 0 || redis.ClusterAddress.Count > 0 || redis.SentinelAddress.Count > 0, Key("address"),
            "no Redis address configured");
        check.That(redis.SentinelAddress.Count == 0 || redis.SentinelMasterName.Length > 0 || redis.SentinelAddress.All(a => a.Contains("sentinel_master_name=", StringComparison.Ordinal)),
            Key("sentinel_master_name"), "sentinel_master_name is required with sentinel_address");
        check.That(redis.Prefix.Length > 0, Key("prefix"), "prefix must not be empty");
        check.That(redis.ConnectTimeout > TimeSpan.Zero, Key("connect_timeout"), "must be positive");
        check.That(redis.IoTimeout > TimeSpan.Zero, Key("io_timeout"), "must be positive");
        check.That(redis.Db >= 0, Key("db"), $"database number {redis.Db} is negative");
        check.That(redis.PresenceTtl >= TimeSpan.FromSeconds(1), Key("presence_ttl"), "must be at least 1s");
        check.WholeSeconds(redis.PresenceTtl, Key("presence_ttl"));
        check.Tls(redis.Tls, Key("tls"), server: false);
        check.Tls(redis.SentinelTls, Key("sentinel_tls"), server: false);
    }

    /// <summary>Centrifugo's RPC namespace checks; a proxy reference fails as it does when the proxy is not configured.</summary>
    private static void Rpc(Checker check, RpcConfig rpc)
    {
        RpcOptions(check, rpc.WithoutNamespace, "rpc.without_namespace");
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rpc.Namespaces.Count; i++)
        {
            var ns = rpc.Namespaces[i];
            var path = ConfigTree.Join("rpc.namespaces", i);
            UniqueName(check, names, ns.Name, path, "rpc namespace");
            RpcOptions(check, ns, path);
        }
    }

    /// <summary>Centrifugo's rule for channel and RPC namespace names: the name pattern, and no name twice.</summary>
    private static void UniqueName(Checker check, HashSet<string> names, string name, string path, string kind)
    {
        var key = ConfigTree.Join(path, "name");
        check.That(NamespaceName().IsMatch(name), key, $"invalid {kind} name {GoStrconv.Quote(name)} (must match {NamespaceName()})");
        check.That(names.Add(name), key, $"{kind} name must be unique: {name}");
    }

    private static void RpcOptions(Checker check, RpcOptionsConfig options, string path) =>
        check.That(!options.ProxyEnabled, ConfigTree.Join(path, "proxy_enabled"),
            $"rpc proxy {GoStrconv.Quote(options.ProxyName)} not found: Gyre does not support proxies yet, so RPC calls cannot be proxied");

    /// <summary>
    /// Centrifugo's token verifier checks, each reported at its key: mutually exclusive exact and regex forms, regexes
    /// that compile, PEM keys that parse, and a JWKS endpoint with an http(s) scheme whose placeholders are filled only
    /// from explicit lists of literals (the 6.7.0 rule; <c>insecure_skip_jwks_endpoint_safety_check</c> lifts it).
    /// </summary>
    private static void Token(Checker check, TokenConfig token, string path)
    {
        string Key(string key) => ConfigTree.Join(path, key);

        check.That(token.Audience.Length == 0 || token.AudienceRegex.Length == 0, Key("audience_regex"),
            "can not use both audience and audience_regex, configure only one of them");
        check.That(token.Issuer.Length == 0 || token.IssuerRegex.Length == 0, Key("issuer_regex"),
            "can not use both issuer and issuer_regex, configure only one of them");
        foreach (var (key, pattern) in new[] { ("issuer_regex", token.IssuerRegex), ("audience_regex", token.AudienceRegex) })
        {
            var problem = pattern.Length == 0 ? null
                : TokenVerifier.Validate(key == "issuer_regex" ? new TokenOptions { IssuerRegex = pattern } : new TokenOptions { AudienceRegex = pattern });
            check.That(problem is null, Key(key), $"invalid regex {GoStrconv.Quote(pattern)}: {problem}");
        }

        if (token.JwksPublicEndpoint.Length > 0)
        {
            // JWKS replaces the static keys, which are then not even parsed (as in Centrifugo).
            var problem = TokenVerifier.Validate(ConfigMapper.ToTokenOptions(token));
            check.That(problem is null, Key("jwks_public_endpoint"), problem ?? "");
            return;
        }

        foreach (var (key, kind, options) in new[]
        {
            ("rsa_public_key", "RSA", new TokenOptions { RsaPublicKey = token.RsaPublicKey }),
            ("ecdsa_public_key", "ECDSA", new TokenOptions { EcdsaPublicKey = token.EcdsaPublicKey }),
        })
        {
            var problem = TokenVerifier.Validate(options);
            check.That(problem is null, Key(key), $"error parsing {kind} public key: {problem}");
        }
    }

    /// <summary>
    /// Centrifugo's checks of <c>client.subscribe_to_user_personal_channel</c>: the namespace exists, and
    /// <c>single_connection</c> (which reads the personal channel's presence) needs presence on it.
    /// </summary>
    private static void PersonalChannel(Checker check, PersonalChannelConfig personal, ChannelConfig channel)
    {
        if (!personal.Enabled)
        {
            return;
        }

        const string Path = "client.subscribe_to_user_personal_channel";
        if (personal.PersonalChannelNamespace.Length == 0)
        {
            check.That(!personal.SingleConnection || channel.WithoutNamespace.Presence, ConfigTree.Join(Path, "single_connection"),
                "presence must be enabled on top level (channel.without_namespace.presence) to maintain single connection");
            return;
        }

        var ns = channel.Namespaces.FirstOrDefault(n => n.Name == personal.PersonalChannelNamespace);
        check.That(ns is not null, ConfigTree.Join(Path, "personal_channel_namespace"),
            $"namespace for user personal channel not found: {personal.PersonalChannelNamespace}");
        check.That(!personal.SingleConnection || ns!.Presence, ConfigTree.Join(Path, "single_connection"),
            $"presence must be enabled for namespace {personal.PersonalChannelNamespace} to maintain single connection");
    }

    /// <summary>Centrifugo's <c>validateChannelOptions</c>, minus proxy-name checks (proxies are not supported yet).</summary>
    private static void ChannelOptions(Checker check, ChannelOptionsConfig options, string path, TimeSpan globalHistoryMetaTtl)
    {
        string Key(string key) => ConfigTree.Join(path, key);

        check.WholeSeconds(options.HistoryTtl, Key("history_ttl"));
        check.WholeSeconds(options.HistoryMetaTtl, Key("history_meta_ttl"));
        var sizeSet = options.HistorySize != 0;
        var ttlSet = options.HistoryTtl != TimeSpan.Zero;
        check.That(sizeSet == ttlSet, Key(sizeSet ? "history_size" : "history_ttl"),
            "both history_size and history_ttl are required for history");

        var metaTtl = options.HistoryMetaTtl != TimeSpan.Zero ? options.HistoryMetaTtl : globalHistoryMetaTtl;
        check.That(options.HistoryTtl <= metaTtl, Key("history_ttl"),
            $"history ttl ({GoDuration.Format(options.HistoryTtl)}) can not be greater than history meta ttl ({GoDuration.Format(metaTtl)})");
        check.That(!options.ForceRecovery || (sizeSet && ttlSet), Key("force_recovery"),
            "both history_size and history_ttl are required for recovery");
        check.That(RecoveryModes.Contains(options.ForceRecoveryMode), Key("force_recovery_mode"),
            $"unknown recovery mode {GoStrconv.Quote(options.ForceRecoveryMode)}");
        check.That(!options.AutoCacheRecover || (options.ForceRecovery && options.ForceRecoveryMode == "cache"), Key("auto_cache_recover"),
            "auto_cache_recover requires force_recovery and force_recovery_mode set to cache");
        foreach (var deltaType in options.AllowedDeltaTypes)
        {
            check.That(DeltaTypes.Contains(deltaType), Key("allowed_delta_types"), $"unknown allowed delta type {GoStrconv.Quote(deltaType)}");
        }
        check.That(PublicationDataFormats.Contains(options.PublicationDataFormat), Key("publication_data_format"),
            $"unknown publication data format {GoStrconv.Quote(options.PublicationDataFormat)}");
        check.That(SubscriptionTypes.Contains(options.SubscriptionType), Key("subscription_type"),
            $"unknown subscription type {GoStrconv.Quote(options.SubscriptionType)}");
        check.That(!options.SubscribeStreamProxyEnabled
            || !(options.SubscribeProxyEnabled || options.PublishProxyEnabled || options.SubRefreshProxyEnabled),
            Key("subscribe_stream_proxy_enabled"), "can't use subscribe stream proxy together with subscribe, publish or sub refresh proxies");
        if (options.ChannelRegex.Length > 0)
        {
            try
            {
                // Compiled exactly as ChannelRules will run it: with the linear-time engine, like Go's RE2.
                _ = ChannelRules.CompileRegex(options.ChannelRegex);
            }
            catch (ArgumentException e)
            {
                check.That(false, Key("channel_regex"), $"invalid channel regex {GoStrconv.Quote(options.ChannelRegex)}: {e.Message}");
            }
        }
    }

    /// <summary>Centrifugo's namespace name rule: at least two of letters, digits, <c>-</c>, <c>_</c> and <c>.</c>.</summary>
    [GeneratedRegex("^[-a-zA-Z0-9_.]{2,}$")]
    private static partial Regex NamespaceName();

    /// <summary>A top-level claim name: letters and underscores only.</summary>
    [GeneratedRegex("^[a-zA-Z_]+$")]
    private static partial Regex UserIdClaim();

    private readonly struct Checker(ConfigTree tree)
    {
        public void That(bool condition, string path, string problem)
        {
            if (!condition)
            {
                throw ConfigException.ForKey(path, tree.SourceOf(path).Description, problem);
            }
        }

        /// <summary>Loads the certificates of an enabled TLS object, so a bad PEM value stops the start with its key named.</summary>
        public void Tls(TlsConfig config, string path, bool server)
        {
            var sources = tree;
            _ = TlsMaterial.Load(config, path, key => sources.SourceOf(key).Description, server);
        }

        /// <summary>Durations stored in Redis with second precision (history TTLs) reject fractions, as in Centrifugo.</summary>
        public void WholeSeconds(TimeSpan value, string path) =>
            That(value.Ticks % TimeSpan.TicksPerSecond == 0, path, $"{GoDuration.Format(value)} has sub-second precision; use whole seconds");
    }
}
