namespace Gyre.Grpc.UniStream;

/// <summary>The unidirectional gRPC transport endpoint (Centrifugo <c>uni_grpc.*</c>).</summary>
public sealed record UniGrpcOptions
{
    /// <summary><c>uni_grpc.enabled</c>. Off, as in Centrifugo.</summary>
    public bool Enabled { get; init; }

    /// <summary><c>uni_grpc.address</c>; empty binds 127.0.0.1.</summary>
    public string Address { get; init; } = "";

    /// <summary><c>uni_grpc.port</c>, default 11000; 0 picks a free port (tests).</summary>
    public int Port { get; init; } = 11000;

    /// <summary><c>uni_grpc.max_receive_message_size</c>; 0 keeps gRPC's 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; init; }
}
