namespace Gyre.Protocol;

/// <summary>
/// Input that does not decode: a malformed frame, an oversized command, a wrong JSON type. The client protocol
/// answers it with disconnect 3501 (bad request), the HTTP API with 400.
/// </summary>
public sealed class ProtocolException : Exception
{
    /// <summary>Creates the exception with a message that says what was wrong and where.</summary>
    public ProtocolException(string message) : base(message) { }

    /// <summary>Creates the exception wrapping the parser's own error.</summary>
    public ProtocolException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception with a generic message.</summary>
    public ProtocolException() : base("malformed input") { }
}
