namespace Gyre.Grpc;

/// <summary>
/// The bidirectional gRPC client transport (<c>grpc_client.*</c>, a Gyre extension: Centrifugo v6 has only the
/// unidirectional <c>uni_grpc</c>). Service <c>centrifugal.centrifuge.protocol.Centrifuge/Connect</c> of
/// <c>proto/client_grpc.proto</c>, served on its own cleartext HTTP/2 (h2c) port.
/// </summary>
public sealed record GrpcClientOptions
{
    /// <summary>Off.</summary>
    public static GrpcClientOptions Default { get; } = new();

    /// <summary><c>grpc_client.enabled</c>, default false.</summary>
    public bool Enabled { get; init; }

    /// <summary><c>grpc_client.address</c>; empty binds 127.0.0.1.</summary>
    public string Address { get; init; } = "";

    /// <summary><c>grpc_client.port</c>, default 10001 (next to the gRPC API's 10000); 0 picks a free port (tests).</summary>
    public int Port { get; init; } = 10001;

    /// <summary>
    /// <c>grpc_client.max_receive_message_size</c>, default 65,536 bytes like <c>websocket.message_size_limit</c>:
    /// a larger Command fails the call with RESOURCE_EXHAUSTED. 0 keeps gRPC's 4 MiB.
    /// </summary>
    public int MaxReceiveMessageSize { get; init; } = 65_536;
}
