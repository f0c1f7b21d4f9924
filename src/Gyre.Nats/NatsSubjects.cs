using System.Buffers;

namespace Gyre.Nats;

/// <summary>
/// Builds every NATS subject Gyre uses, the same as Centrifugo's NATS broker so the two can share a NATS:
/// <c>{prefix}.client.{channel}</c>, <c>{prefix}.control</c> and <c>{prefix}.node.{nodeId}</c>.
/// </summary>
public sealed class NatsSubjects
{
    private static readonly SearchValues<char> Unsupported = SearchValues.Create("*> \t\r\n");

    private readonly string _client;
    private readonly string _node;

    /// <summary>Creates the subjects for one prefix.</summary>
    public NatsSubjects(string prefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        _client = prefix + ".client.";
        _node = prefix + ".node.";
        Control = prefix + ".control";
    }

    /// <summary>Control messages for every node.</summary>
    public string Control { get; }

    /// <summary>Control messages for one node.</summary>
    public string Node(string nodeId) => _node + nodeId;

    /// <summary>A channel's publications, joins and leaves.</summary>
    public string Channel(string channel) => _client + channel;

    /// <summary>
    /// True when the channel can be a subject of its own: NATS treats <c>*</c> and <c>&gt;</c> as wildcards and
    /// whitespace as a protocol separator, so channels with them are refused as Centrifugo refuses them.
    /// </summary>
    public static bool IsSupportedChannel(string channel) =>
        channel.Length > 0 && !channel.AsSpan().ContainsAny(Unsupported);
}
