using Gyre.AspNetCore;
using Gyre.Core;
using Gyre.Core.Auth;
using Gyre.Core.Channels;
using Gyre.Server.Hosting;

namespace Gyre.Server.Configuration;

/// <summary>Maps validated operator configuration onto the immutable engine and endpoint option records.</summary>
public static class ConfigMapper
{
    /// <summary>The engine options: client, channels, token and RPC sections, and the node name.</summary>
    public static NodeOptions ToNodeOptions(GyreConfig config)
    {
        var client = config.Client;
        var channel = config.Channel;
        var node = NodeOptions.Default with
        {
            Client = new ClientOptions
            {
                PingInterval = client.PingInterval,
                PongTimeout = client.PongTimeout,
                StaleCloseDelay = client.StaleCloseDelay,
                ExpiredCloseDelay = client.ExpiredCloseDelay,
                QueueMaxSize = client.QueueMaxSize,
                MaxMessagesInFrame = client.MaxMessagesInFrame,
                ChannelLimit = client.ChannelLimit,
                Insecure = client.Insecure,
                AllowAnonymousConnectWithoutToken = client.AllowAnonymousConnectWithoutToken,
                HistoryMaxPublicationLimit = client.HistoryMaxPublicationLimit,
                RecoveryMaxPublicationLimit = client.RecoveryMaxPublicationLimit,
                ConnectIncludeServerTime = client.ConnectIncludeServerTime,
                PresenceUpdateInterval = client.PresenceUpdateInterval,
                ExpiredSubCloseDelay = client.ExpiredSubCloseDelay,
                DisallowAnonymousConnectionTokens = client.DisallowAnonymousConnectionTokens,
                InsecureSkipTokenSignatureVerify = client.InsecureSkipTokenSignatureVerify,
                UserConnectionLimit = client.UserConnectionLimit,
                ConnectionLimit = client.ConnectionLimit,
                ConnectionRateLimit = client.ConnectionRateLimit,
                SubscribeToUserPersonalChannel = new PersonalChannelOptions
                {
                    Enabled = client.SubscribeToUserPersonalChannel.Enabled,
                    PersonalChannelNamespace = client.SubscribeToUserPersonalChannel.PersonalChannelNamespace,
                    SingleConnection = client.SubscribeToUserPersonalChannel.SingleConnection,
                },
            },
            Channels = new ChannelsOptions
            {
                WithoutNamespace = ToChannelOptions(channel.WithoutNamespace),
                Namespaces = [.. channel.Namespaces.Select(ns => new ChannelNamespace(ns.Name, ToChannelOptions(ns)))],
                MaxLength = channel.MaxLength,
                PrivatePrefix = channel.PrivatePrefix,
                NamespaceBoundary = channel.NamespaceBoundary,
                UserBoundary = channel.UserBoundary,
                UserSeparator = channel.UserSeparator,
                HistoryMetaTtl = channel.HistoryMetaTtl,
            },
            Token = ToTokenOptions(client.Token),
            SubscriptionToken = client.SubscriptionToken.Enabled ? ToTokenOptions(client.SubscriptionToken) : null,
            Rpc = new RpcOptions { PingEnabled = config.Rpc.Ping.Enabled, PingMethod = config.Rpc.Ping.Method },
        };
        // An empty node.name keeps the record's default (the host name), as Centrifugo does.
        return config.Node.Name.Length == 0 ? node : node with { Name = config.Node.Name };
    }

    /// <summary>The verifier options of <c>client.token</c> or <c>client.subscription_token</c>.</summary>
    public static TokenOptions ToTokenOptions(TokenConfig token) => new()
    {
        HmacSecretKey = token.HmacSecretKey,
        HmacPreviousSecretKey = token.HmacPreviousSecretKey,
        HmacPreviousSecretKeyValidUntil = token.HmacPreviousSecretKeyValidUntil,
        RsaPublicKey = token.RsaPublicKey,
        EcdsaPublicKey = token.EcdsaPublicKey,
        JwksPublicEndpoint = token.JwksPublicEndpoint,
        Audience = token.Audience,
        AudienceRegex = token.AudienceRegex,
        Issuer = token.Issuer,
        IssuerRegex = token.IssuerRegex,
        UserIdClaim = token.UserIdClaim,
        InsecureSkipJwksEndpointSafetyCheck = token.InsecureSkipJwksEndpointSafetyCheck,
    };

    /// <summary>The HTTP-facing options: WebSocket, HTTP API, health and allowed origins.</summary>
    public static GyreEndpointOptions ToEndpointOptions(GyreConfig config) => new()
    {
        WebSocketDisabled = config.WebSocket.Disabled,
        WebSocketPath = config.WebSocket.HandlerPrefix,
        WebSocketMessageSizeLimit = config.WebSocket.MessageSizeLimit,
        WebSocketWriteTimeout = config.WebSocket.WriteTimeout,
        WebSocketCompression = config.WebSocket.Compression,
        WebSocketCompressionMinSize = config.WebSocket.CompressionMinSize,
        WebSocketCompressionLevel = config.WebSocket.CompressionLevel,
        WebSocketDecompressedMessageSizeLimit = config.WebSocket.DecompressedMessageSizeLimit,
        AllowedOrigins = [.. config.Client.AllowedOrigins],
        HttpApiDisabled = config.HttpApi.Disabled,
        HttpApiPath = config.HttpApi.HandlerPrefix,
        HttpApiKey = config.HttpApi.Key,
        HttpApiInsecure = config.HttpApi.Insecure,
        HttpApiTransportErrorMode = config.HttpApi.ErrorMode == "transport",
        InitEnabled = config.Init.Enabled,
        InitPath = config.Init.HandlerPrefix,
        HealthEnabled = config.Health.Enabled,
        HealthPath = config.Health.HandlerPrefix,
        HttpStream = ToStreamOptions(config.HttpStream),
        Sse = ToStreamOptions(config.Sse),
        EmulationPath = config.Emulation.HandlerPrefix,
        EmulationMaxRequestBodySize = config.Emulation.MaxRequestBodySize,
        UniHttpStream = ToStreamOptions(config.UniHttpStream),
        UniSse = ToStreamOptions(config.UniSse),
        UniWebSocket = new UniWebSocketOptions
        {
            Enabled = config.UniWebSocket.Enabled,
            Path = config.UniWebSocket.HandlerPrefix,
            MessageSizeLimit = config.UniWebSocket.MessageSizeLimit,
            WriteTimeout = config.UniWebSocket.WriteTimeout,
            JoinPushMessages = config.UniWebSocket.JoinPushMessages,
            DisableDisconnectPush = config.UniWebSocket.DisableDisconnectPush,
        },
    };

    private static StreamEndpointOptions ToStreamOptions(StreamTransportConfig config) => new()
    {
        Enabled = config.Enabled,
        Path = config.HandlerPrefix,
        MaxRequestBodySize = config.MaxRequestBodySize,
    };

    private static StreamEndpointOptions ToStreamOptions(UniStreamTransportConfig config) => new()
    {
        Enabled = config.Enabled,
        Path = config.HandlerPrefix,
        MaxRequestBodySize = config.MaxRequestBodySize,
        ConnectCodeToHttpResponse = config.ConnectCodeToHttpResponse.Enabled
            ? config.ConnectCodeToHttpResponse.Transforms
                .GroupBy(t => (uint)t.Code)
                .ToDictionary(g => g.Key, g => new ConnectCodeResponse(g.First().To.StatusCode, g.First().To.Body))
            : null,
    };

    /// <summary>The bidirectional gRPC client transport.</summary>
    public static Gyre.Grpc.GrpcClientOptions ToGrpcClientOptions(GyreConfig config) => new()
    {
        Enabled = config.GrpcClient.Enabled,
        Address = config.GrpcClient.Address,
        Port = config.GrpcClient.Port,
        MaxReceiveMessageSize = config.GrpcClient.MaxReceiveMessageSize,
    };

    /// <summary>The path of the server API's OpenAPI document, <c>{swagger.handler_prefix}/swagger.json</c>; null when <c>swagger.enabled</c> is off.</summary>
    public static string? ToSwaggerDocumentPath(GyreConfig config) =>
        config.Swagger.Enabled ? config.Swagger.HandlerPrefix.TrimEnd('/') + "/swagger.json" : null;

    /// <summary>The gRPC server API endpoint.</summary>
    public static Gyre.Grpc.GrpcApiOptions ToGrpcApiOptions(GyreConfig config) => new()
    {
        Enabled = config.GrpcApi.Enabled,
        Address = config.GrpcApi.Address,
        Port = config.GrpcApi.Port,
        Key = config.GrpcApi.Key,
        TransportErrorMode = config.GrpcApi.ErrorMode == HttpApiConfig.TransportErrorMode,
        MaxReceiveMessageSize = config.GrpcApi.MaxReceiveMessageSize,
        Reflection = config.GrpcApi.Reflection,
    };

    /// <summary>
    /// Which broker and presence manager to run: <c>engine</c> gives both, <c>broker</c> and <c>presence_manager</c>
    /// replace their half when enabled. Memory halves map to null (the node's own memory engine).
    /// </summary>
    public static EngineSettings ToEngineSettings(GyreConfig config)
    {
        var engineRedis = config.Engine.Type == "redis" ? ToRedisOptions(config.Engine.Redis, "engine.redis") : null;
        var broker = config.Broker;
        var presence = config.PresenceManager;
        return new EngineSettings
        {
            BrokerRedis = broker.Enabled ? (broker.Type == "redis" ? ToRedisOptions(broker.Redis, "broker.redis") : null) : engineRedis,
            BrokerNats = broker.Enabled && broker.Type == "nats" ? ToNatsOptions(broker.Nats) : null,
            PresenceRedis = presence.Enabled ? (presence.Type == "redis" ? ToRedisOptions(presence.Redis, "presence_manager.redis") : null) : engineRedis,
        };
    }

    /// <summary>One Redis section, found at <paramref name="path"/>, as engine options.</summary>
    public static Gyre.Redis.RedisEngineOptions ToRedisOptions(RedisConfig redis, string path) => new()
    {
        Addresses = [.. redis.Address],
        ClusterAddresses = [.. redis.ClusterAddress],
        SentinelAddresses = [.. redis.SentinelAddress],
        SentinelMasterName = NullIfEmpty(redis.SentinelMasterName),
        SentinelUser = NullIfEmpty(redis.SentinelUser),
        SentinelPassword = NullIfEmpty(redis.SentinelPassword),
        Prefix = redis.Prefix,
        Db = redis.Db,
        User = NullIfEmpty(redis.User),
        Password = NullIfEmpty(redis.Password),
        ClientName = NullIfEmpty(redis.ClientName),
        UseTls = redis.Tls.Enabled,
        Tls = ClientTls(redis.Tls, ConfigTree.Join(path, "tls")),
        ConnectTimeout = redis.ConnectTimeout,
        IoTimeout = redis.IoTimeout,
        PresenceTtl = redis.PresenceTtl,
        PresenceUserMapping = redis.PresenceUserMapping,
    };

    /// <summary><c>broker.nats</c> as broker options.</summary>
    public static Gyre.Nats.NatsBrokerOptions ToNatsOptions(NatsConfig nats) => new()
    {
        Url = nats.Url,
        Prefix = nats.Prefix,
        DialTimeout = nats.DialTimeout,
        WriteTimeout = nats.WriteTimeout,
        Tls = ClientTls(nats.Tls, "broker.nats.tls"),
    };

    /// <summary>The unidirectional gRPC transport endpoint.</summary>
    public static Gyre.Grpc.UniStream.UniGrpcOptions ToUniGrpcOptions(GyreConfig config) => new()
    {
        Enabled = config.UniGrpc.Enabled,
        Address = config.UniGrpc.Address,
        Port = config.UniGrpc.Port,
        MaxReceiveMessageSize = config.UniGrpc.MaxReceiveMessageSize,
    };

    /// <summary>The channel options Core implements; the others stay in <see cref="ChannelOptionsConfig"/>.</summary>
    public static ChannelOptions ToChannelOptions(ChannelOptionsConfig options) => new()
    {
        Presence = options.Presence,
        JoinLeave = options.JoinLeave,
        ForcePushJoinLeave = options.ForcePushJoinLeave,
        HistorySize = options.HistorySize,
        HistoryTtl = options.HistoryTtl,
        HistoryMetaTtl = options.HistoryMetaTtl,
        ForcePositioning = options.ForcePositioning,
        AllowPositioning = options.AllowPositioning,
        ForceRecovery = options.ForceRecovery,
        AllowRecovery = options.AllowRecovery,
        RecoveryMode = options.ForceRecoveryMode == "cache" ? RecoveryMode.Cache : RecoveryMode.Stream,
        AutoCacheRecover = options.AutoCacheRecover,
        FossilDeltaAllowed = options.AllowedDeltaTypes.Contains("fossil"),
        DeltaPublish = options.DeltaPublish,
        AllowTagsFilter = options.AllowTagsFilter,
        AllowSubscribeForClient = options.AllowSubscribeForClient,
        AllowSubscribeForAnonymous = options.AllowSubscribeForAnonymous,
        AllowPublishForClient = options.AllowPublishForClient,
        AllowPublishForSubscriber = options.AllowPublishForSubscriber,
        AllowPublishForAnonymous = options.AllowPublishForAnonymous,
        AllowPresenceForClient = options.AllowPresenceForClient,
        AllowPresenceForSubscriber = options.AllowPresenceForSubscriber,
        AllowPresenceForAnonymous = options.AllowPresenceForAnonymous,
        AllowHistoryForClient = options.AllowHistoryForClient,
        AllowHistoryForSubscriber = options.AllowHistoryForSubscriber,
        AllowHistoryForAnonymous = options.AllowHistoryForAnonymous,
        AllowUserLimitedChannels = options.AllowUserLimitedChannels,
        ChannelRegex = options.ChannelRegex,
    };

    /// <summary>The TLS of every listener Gyre opens; a disabled endpoint's TLS is not loaded.</summary>
    public static Gyre.Server.Hosting.ListenerTls ToListenerTls(GyreConfig config) => new(
        ServerTls(config.HttpServer.Tls, "http_server.tls"),
        config.GrpcApi.Enabled ? ServerTls(config.GrpcApi.Tls, "grpc_api.tls") : null,
        config.UniGrpc.Enabled ? ServerTls(config.UniGrpc.Tls, "uni_grpc.tls") : null,
        config.GrpcClient.Enabled ? ServerTls(config.GrpcClient.Tls, "grpc_client.tls") : null);

    /// <summary>
    /// The certificates of a listener's TLS object at <paramref name="path"/>; null when it is off. Validation has
    /// loaded them once already, so an error here means a file changed in between.
    /// </summary>
    public static TlsMaterial? ServerTls(TlsConfig tls, string path) => TlsMaterial.Load(tls, path, _ => "the configuration", server: true);

    /// <summary>Client options for a connection's TLS object at <paramref name="path"/>; null when it is off.</summary>
    private static System.Net.Security.SslClientAuthenticationOptions? ClientTls(TlsConfig tls, string path) =>
        TlsMaterial.Load(tls, path, _ => "the configuration", server: false)?.ClientOptions();

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
