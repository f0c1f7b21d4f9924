using Gyre.AspNetCore;

namespace Gyre.Server.Configuration;

/// <summary><c>http_api.*</c>: the server HTTP API.</summary>
public sealed class HttpApiConfig
{
    /// <summary>The only non-empty <see cref="ErrorMode"/> Centrifugo accepts.</summary>
    public const string TransportErrorMode = "transport";

    /// <summary><c>http_api.disabled</c>. Default false.</summary>
    public bool Disabled { get; set; } = GyreEndpointOptions.Default.HttpApiDisabled;

    /// <summary><c>http_api.handler_prefix</c>, default <c>/api</c>.</summary>
    public string HandlerPrefix { get; set; } = GyreEndpointOptions.Default.HttpApiPath;

    /// <summary><c>http_api.key</c>: required unless <see cref="Insecure"/>, otherwise every call is 401.</summary>
    public string Key { get; set; } = GyreEndpointOptions.Default.HttpApiKey;

    /// <summary><c>http_api.error_mode</c>: empty, or <c>transport</c> (errors as HTTP status codes).</summary>
    public string ErrorMode { get; set; } = "";

    /// <summary><c>http_api.external</c>: kept, not used yet (there is only one port).</summary>
    public bool External { get; set; }

    /// <summary><c>http_api.insecure</c>: no key check. Default false.</summary>
    public bool Insecure { get; set; } = GyreEndpointOptions.Default.HttpApiInsecure;
}

/// <summary><c>websocket.*</c>: the bidirectional WebSocket transport.</summary>
public sealed class WebSocketConfig
{
    /// <summary><c>websocket.disabled</c>. Default false.</summary>
    public bool Disabled { get; set; } = GyreEndpointOptions.Default.WebSocketDisabled;

    /// <summary><c>websocket.handler_prefix</c>, default <c>/connection/websocket</c>.</summary>
    public string HandlerPrefix { get; set; } = GyreEndpointOptions.Default.WebSocketPath;

    /// <summary><c>websocket.compression</c>: permessage-deflate when the client offers it. Default false.</summary>
    public bool Compression { get; set; }

    /// <summary><c>websocket.compression_min_size</c>, default 0: frames up to this size go out uncompressed.</summary>
    public int CompressionMinSize { get; set; }

    /// <summary><c>websocket.compression_level</c>, default 1; see <see cref="GyreEndpointOptions.WebSocketCompressionLevel"/>.</summary>
    public int CompressionLevel { get; set; } = 1;

    /// <summary><c>websocket.read_buffer_size</c>, default 0. Kept, not used yet.</summary>
    public int ReadBufferSize { get; set; }

    /// <summary><c>websocket.use_write_buffer_pool</c>. Kept, not used yet.</summary>
    public bool UseWriteBufferPool { get; set; }

    /// <summary><c>websocket.write_buffer_size</c>, default 0. Kept, not used yet.</summary>
    public int WriteBufferSize { get; set; }

    /// <summary><c>websocket.write_timeout</c>, default 1 s.</summary>
    public TimeSpan WriteTimeout { get; set; } = GyreEndpointOptions.Default.WebSocketWriteTimeout;

    /// <summary><c>websocket.message_size_limit</c>, default 65,536 bytes.</summary>
    public int MessageSizeLimit { get; set; } = GyreEndpointOptions.Default.WebSocketMessageSizeLimit;

    /// <summary><c>websocket.decompressed_message_size_limit</c>, default 0 (10 × the message limit); bounds inflated messages.</summary>
    public int DecompressedMessageSizeLimit { get; set; }
}

/// <summary><c>init.*</c>: <c>GET /connection/init</c>, see <see cref="GyreEndpointOptions.InitEnabled"/>.</summary>
public sealed class InitConfig
{
    /// <summary><c>init.enabled</c>. Default false, as in Centrifugo.</summary>
    public bool Enabled { get; set; } = GyreEndpointOptions.Default.InitEnabled;

    /// <summary><c>init.handler_prefix</c>, default <c>/connection/init</c>.</summary>
    public string HandlerPrefix { get; set; } = GyreEndpointOptions.Default.InitPath;
}

/// <summary><c>swagger.*</c>: the OpenAPI document of the server HTTP API.</summary>
public sealed class SwaggerConfig
{
    /// <summary>Centrifugo's default prefix; the document is <c>{prefix}/swagger.json</c>, the file name Centrifugo serves it under.</summary>
    public const string DefaultHandlerPrefix = "/swagger";

    /// <summary><c>swagger.enabled</c>. Default false, as in Centrifugo: the document path answers 404 when off.</summary>
    public bool Enabled { get; set; }

    /// <summary><c>swagger.handler_prefix</c>, default <c>/swagger</c> (an empty value keeps the default, like every prefix).</summary>
    public string HandlerPrefix { get; set; } = DefaultHandlerPrefix;
}

/// <summary><c>health.*</c>.</summary>
public sealed class HealthConfig
{
    /// <summary><c>health.enabled</c>. Gyre defaults to true (Centrifugo: false); see <see cref="GyreEndpointOptions.HealthEnabled"/>.</summary>
    public bool Enabled { get; set; } = GyreEndpointOptions.Default.HealthEnabled;

    /// <summary><c>health.handler_prefix</c>, default <c>/health</c>.</summary>
    public string HandlerPrefix { get; set; } = GyreEndpointOptions.Default.HealthPath;
}

/// <summary><c>grpc_api.*</c>: the server API over gRPC, on its own HTTP/2 port.</summary>
public sealed class GrpcApiConfig
{
    /// <summary><c>grpc_api.enabled</c>. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary><c>grpc_api.address</c>: empty binds 127.0.0.1, like <c>http_server.address</c>.</summary>
    public string Address { get; set; } = "";

    /// <summary><c>grpc_api.port</c>, default 10000.</summary>
    public int Port { get; set; } = 10000;

    /// <summary><c>grpc_api.key</c>: when set, calls need metadata <c>authorization: apikey KEY</c>; empty means no auth.</summary>
    public string Key { get; set; } = "";

    /// <summary><c>grpc_api.error_mode</c>: empty, or <c>transport</c> (errors as gRPC status codes).</summary>
    public string ErrorMode { get; set; } = "";

    /// <summary><c>grpc_api.reflection</c>: serve the gRPC reflection service next to the API.</summary>
    public bool Reflection { get; set; }

    /// <summary><c>grpc_api.max_receive_message_size</c>: 0 keeps gRPC's 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; }

    /// <summary><c>grpc_api.tls</c>: the API port speaks HTTP/2 over TLS instead of h2c.</summary>
    public TlsConfig Tls { get; set; } = new();
}

/// <summary><c>http_stream.*</c> and <c>sse.*</c>: the bidirectional emulation transports.</summary>
public class StreamTransportConfig
{
    /// <summary><c>enabled</c>. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary><c>handler_prefix</c>: default <c>/connection/http_stream</c> or <c>/connection/sse</c>.</summary>
    public string HandlerPrefix { get; set; } = "";

    /// <summary><c>max_request_body_size</c>, default 65,536 bytes; larger connect bodies get 413.</summary>
    public int MaxRequestBodySize { get; set; } = 65_536;
}

/// <summary><c>http_stream.*</c>.</summary>
public sealed class HttpStreamConfig : StreamTransportConfig
{
    /// <summary>Defaults to <c>/connection/http_stream</c>.</summary>
    public HttpStreamConfig() => HandlerPrefix = GyreEndpointOptions.Default.HttpStream.Path;
}

/// <summary><c>sse.*</c>.</summary>
public sealed class SseConfig : StreamTransportConfig
{
    /// <summary>Defaults to <c>/connection/sse</c>.</summary>
    public SseConfig() => HandlerPrefix = GyreEndpointOptions.Default.Sse.Path;
}

/// <summary><c>uni_http_stream.*</c>.</summary>
public sealed class UniHttpStreamConfig : UniStreamTransportConfig
{
    /// <summary>Defaults to <c>/connection/uni_http_stream</c>.</summary>
    public UniHttpStreamConfig() => HandlerPrefix = GyreEndpointOptions.Default.UniHttpStream.Path;
}

/// <summary><c>uni_sse.*</c>.</summary>
public sealed class UniSseConfig : UniStreamTransportConfig
{
    /// <summary>Defaults to <c>/connection/uni_sse</c>.</summary>
    public UniSseConfig() => HandlerPrefix = GyreEndpointOptions.Default.UniSse.Path;
}

/// <summary><c>uni_http_stream.*</c> and <c>uni_sse.*</c>: the unidirectional streaming HTTP transports.</summary>
public class UniStreamTransportConfig
{
    /// <summary><c>enabled</c>. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary><c>handler_prefix</c>: default <c>/connection/uni_http_stream</c> or <c>/connection/uni_sse</c>.</summary>
    public string HandlerPrefix { get; set; } = "";

    /// <summary><c>max_request_body_size</c>, default 65,536 bytes; larger connect bodies get 413.</summary>
    public int MaxRequestBodySize { get; set; } = 65_536;

    /// <summary><c>connect_code_to_http_response</c>.</summary>
    public ConnectCodeToHttpResponseConfig ConnectCodeToHttpResponse { get; set; } = new();
}

/// <summary><c>connect_code_to_http_response.*</c>: answer failed uni connects with an HTTP status.</summary>
public sealed class ConnectCodeToHttpResponseConfig
{
    /// <summary><c>enabled</c>. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary><c>transforms</c>: error or disconnect code → HTTP response; unlisted codes get 500.</summary>
    public List<ConnectCodeTransformConfig> Transforms { get; set; } = [];
}

/// <summary>One item of <c>connect_code_to_http_response.transforms</c>.</summary>
public sealed class ConnectCodeTransformConfig
{
    /// <summary><c>code</c>: a connect error code (e.g. 109) or disconnect code (e.g. 3500).</summary>
    public int Code { get; set; }

    /// <summary><c>to</c>.</summary>
    public ConnectCodeHttpResponseConfig To { get; set; } = new();
}

/// <summary><c>transforms[].to</c>.</summary>
public sealed class ConnectCodeHttpResponseConfig
{
    /// <summary><c>status_code</c>.</summary>
    public int StatusCode { get; set; }

    /// <summary><c>body</c>: empty sends the error message or disconnect reason.</summary>
    public string Body { get; set; } = "";
}

/// <summary><c>uni_websocket.*</c>.</summary>
public sealed class UniWebSocketConfig
{
    /// <summary><c>uni_websocket.enabled</c>. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary><c>uni_websocket.handler_prefix</c>, default <c>/connection/uni_websocket</c>.</summary>
    public string HandlerPrefix { get; set; } = GyreEndpointOptions.Default.UniWebSocket.Path;

    /// <summary><c>uni_websocket.compression</c>. Kept, not used yet.</summary>
    public bool Compression { get; set; }

    /// <summary><c>uni_websocket.compression_min_size</c>. Kept, not used yet.</summary>
    public int CompressionMinSize { get; set; }

    /// <summary><c>uni_websocket.compression_level</c>, default 1. Kept, not used yet.</summary>
    public int CompressionLevel { get; set; } = 1;

    /// <summary><c>uni_websocket.read_buffer_size</c>. Kept, not used yet.</summary>
    public int ReadBufferSize { get; set; }

    /// <summary><c>uni_websocket.use_write_buffer_pool</c>. Kept, not used yet.</summary>
    public bool UseWriteBufferPool { get; set; }

    /// <summary><c>uni_websocket.write_buffer_size</c>. Kept, not used yet.</summary>
    public int WriteBufferSize { get; set; }

    /// <summary><c>uni_websocket.write_timeout</c>, default 1 s.</summary>
    public TimeSpan WriteTimeout { get; set; } = GyreEndpointOptions.Default.UniWebSocket.WriteTimeout;

    /// <summary><c>uni_websocket.message_size_limit</c>, default 65,536 bytes.</summary>
    public int MessageSizeLimit { get; set; } = GyreEndpointOptions.Default.UniWebSocket.MessageSizeLimit;

    /// <summary><c>uni_websocket.decompressed_message_size_limit</c>. Kept, not used yet.</summary>
    public int DecompressedMessageSizeLimit { get; set; }

    /// <summary><c>uni_websocket.disable_closing_handshake</c>. Kept, not used yet.</summary>
    public bool DisableClosingHandshake { get; set; }

    /// <summary><c>uni_websocket.disable_disconnect_push</c>. Default false.</summary>
    public bool DisableDisconnectPush { get; set; }

    /// <summary><c>uni_websocket.join_push_messages</c>. Default false.</summary>
    public bool JoinPushMessages { get; set; }
}

/// <summary><c>emulation.*</c>: the client-to-server half of HTTP-streaming and SSE.</summary>
public sealed class EmulationConfig
{
    /// <summary><c>emulation.handler_prefix</c>, default <c>/emulation</c>.</summary>
    public string HandlerPrefix { get; set; } = GyreEndpointOptions.Default.EmulationPath;

    /// <summary><c>emulation.max_request_body_size</c>, default 65,536 bytes.</summary>
    public int MaxRequestBodySize { get; set; } = GyreEndpointOptions.Default.EmulationMaxRequestBodySize;
}

/// <summary><c>uni_grpc.*</c>: the unidirectional gRPC transport, on its own HTTP/2 port.</summary>
public sealed class UniGrpcConfig
{
    /// <summary><c>uni_grpc.enabled</c>. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary><c>uni_grpc.address</c>: empty binds 127.0.0.1, like <c>http_server.address</c>.</summary>
    public string Address { get; set; } = "";

    /// <summary><c>uni_grpc.port</c>, default 11000.</summary>
    public int Port { get; set; } = 11000;

    /// <summary><c>uni_grpc.max_receive_message_size</c>: 0 keeps gRPC's 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; }

    /// <summary><c>uni_grpc.tls</c>: the transport's port speaks HTTP/2 over TLS instead of h2c.</summary>
    public TlsConfig Tls { get; set; } = new();
}

/// <summary><c>grpc_client.*</c>: the bidirectional gRPC client transport of proto/client_grpc.proto, on its own h2c port.</summary>
public sealed class GrpcClientConfig
{
    /// <summary><c>grpc_client.enabled</c>. Default false.</summary>
    public bool Enabled { get; set; } = Gyre.Grpc.GrpcClientOptions.Default.Enabled;

    /// <summary><c>grpc_client.address</c>: empty binds 127.0.0.1, like <c>http_server.address</c>.</summary>
    public string Address { get; set; } = Gyre.Grpc.GrpcClientOptions.Default.Address;

    /// <summary><c>grpc_client.port</c>, default 10001.</summary>
    public int Port { get; set; } = Gyre.Grpc.GrpcClientOptions.Default.Port;

    /// <summary><c>grpc_client.max_receive_message_size</c>, default 65,536 bytes; 0 keeps gRPC's 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = Gyre.Grpc.GrpcClientOptions.Default.MaxReceiveMessageSize;

    /// <summary><c>grpc_client.tls</c>: the transport's port speaks HTTP/2 over TLS instead of h2c.</summary>
    public TlsConfig Tls { get; set; } = new();
}
