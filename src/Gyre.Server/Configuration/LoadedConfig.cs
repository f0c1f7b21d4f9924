using Gyre.AspNetCore;
using Gyre.Core;

namespace Gyre.Server.Configuration;

/// <summary>The result of loading configuration: everything the server needs to start.</summary>
/// <param name="Node">Engine options.</param>
/// <param name="Endpoints">HTTP endpoint options.</param>
/// <param name="Address"><c>http_server.address</c>; empty means all interfaces.</param>
/// <param name="Port"><c>http_server.port</c>.</param>
/// <param name="LogLevel"><c>log.level</c>: <c>trace</c>, <c>debug</c>, <c>info</c>, <c>warn</c>, <c>error</c> or <c>none</c>.</param>
/// <param name="ConfigFile">Full path of the file that was read, or null when none was.</param>
/// <param name="Warnings">Problems that do not stop the server (missing default file, unknown keys and variables, unsupported sections); log them at startup.</param>
/// <param name="Config">The bound configuration, including keys that are accepted but not mapped onto options yet.</param>
public sealed record LoadedConfig(
    NodeOptions Node,
    GyreEndpointOptions Endpoints,
    string Address,
    int Port,
    string LogLevel,
    string? ConfigFile,
    IReadOnlyList<string> Warnings,
    GyreConfig Config);
