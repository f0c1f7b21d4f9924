namespace Gyre.Grpc;

/// <summary>The gRPC server API endpoint (Centrifugo <c>grpc_api.*</c>).</summary>
public sealed record GrpcApiOptions
{
    /// <summary>Off, as in Centrifugo.</summary>
    public static GrpcApiOptions Default { get; } = new();

    /// <summary><c>grpc_api.enabled</c>.</summary>
    public bool Enabled { get; init; }

    /// <summary><c>grpc_api.address</c>; empty binds 127.0.0.1.</summary>
    public string Address { get; init; } = "";

    /// <summary><c>grpc_api.port</c>, default 10000; 0 picks a free port (tests).</summary>
    public int Port { get; init; } = 10000;

    /// <summary><c>grpc_api.key</c>: required as metadata <c>authorization: apikey KEY</c>; empty disables auth.</summary>
    public string Key { get; init; } = "";

    /// <summary><c>grpc_api.error_mode: transport</c>: API errors become gRPC status codes (never for Batch).</summary>
    public bool TransportErrorMode { get; init; }

    /// <summary><c>grpc_api.max_receive_message_size</c>; 0 keeps gRPC's 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; init; }

    /// <summary><c>grpc_api.reflection</c>: serve grpc.reflection.v1 and v1alpha, so grpcurl and Postman list the API without a .proto.</summary>
    public bool Reflection { get; init; }
}
