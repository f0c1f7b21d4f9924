using Gyre.Protocol.Api;

namespace Gyre.Core.ServerApi;

/// <summary>
/// Server API error codes (Centrifugo's apiproto catalog). They differ from the client protocol's: 104 is
/// "not found" here. Each maps to an HTTP and gRPC status for the transport error mode.
/// </summary>
public static class ApiErrors
{
    /// <summary>100: engine failure; HTTP 500.</summary>
    public static Error Internal => new() { Code = 100, Message = "internal server error" };

    /// <summary>102: namespace not configured; HTTP 404.</summary>
    public static Error UnknownChannel => new() { Code = 102, Message = "unknown channel" };

    /// <summary>104: unknown method; HTTP 404.</summary>
    public static Error NotFound => new() { Code = 104, Message = "not found" };

    /// <summary>107: missing field, bad base64, data format; HTTP 400.</summary>
    public static Error BadRequest => new() { Code = 107, Message = "bad request" };

    /// <summary>108: feature off for the namespace; HTTP 400.</summary>
    public static Error NotAvailable => new() { Code = 108, Message = "not available" };

    /// <summary>112: position not in the stream; HTTP 416.</summary>
    public static Error UnrecoverablePosition => new() { Code = 112, Message = "unrecoverable position" };

    /// <summary>The HTTP status of an API error in transport error mode.</summary>
    public static int HttpStatus(Error error) => error.Code switch
    {
        102 or 104 => 404,
        107 or 108 => 400,
        112 => 416,
        113 => 409,
        _ => 500,
    };
}
