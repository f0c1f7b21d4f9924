using System.CommandLine;

namespace Gyre.Server.Cli;

/// <summary>
/// The root command's configuration flags: Centrifugo v6's set, each named after the key it overrides
/// (<c>--http_server.port</c> → <c>http_server.port</c>). A flag given on the command line beats the environment and
/// the file; one not given changes nothing, whatever its help default says.
/// </summary>
internal sealed class ServeFlags
{
    private readonly List<(string Key, Option Option, Func<ParseResult, string?> Read)> _flags = [];

    public ServeFlags()
    {
        Text("pid_file", "optional path to create PID file");
        Text("http_server.address", "interface address to listen on", alias: "-a");
        Text("http_server.port", "port to bind HTTP server to", alias: "-p", defaultValue: "8000");
        Text("http_server.internal_address", "custom interface address to listen on for internal endpoints");
        Text("http_server.internal_port", "custom port for internal endpoints");
        Text("engine.type", "engine to use: memory or redis", defaultValue: "memory");
        Switch("broker.enabled", "enable broker");
        Text("broker.type", "broker to use: memory, redis or nats", defaultValue: "memory");
        Switch("presence_manager.enabled", "enable presence manager");
        Text("presence_manager.type", "presence manager to use: memory or redis", defaultValue: "memory");
        Text("map_broker.type", "map broker to use: memory, redis or postgres", defaultValue: "memory");
        Text("log.level", "set the log level: trace, debug, info, warn, error or none", defaultValue: "info");
        Text("log.file", "optional log file - if not specified logs go to STDOUT");
        Switch("debug.enabled", "enable debug endpoints");
        Switch("admin.enabled", "enable admin web interface");
        Switch("admin.external", "expose admin web interface on external port");
        Switch("admin.insecure", "use insecure admin mode - no auth required for admin socket");
        Switch("prometheus.enabled", "enable Prometheus metrics endpoint");
        Switch("swagger.enabled", "enable Swagger UI endpoint describing server HTTP API");
        Switch("health.enabled", "enable health check endpoint");
        Switch("uni_websocket.enabled", "enable unidirectional websocket endpoint");
        Switch("uni_sse.enabled", "enable unidirectional SSE (EventSource) endpoint");
        Switch("uni_http_stream.enabled", "enable unidirectional HTTP-streaming endpoint");
        Switch("sse.enabled", "enable bidirectional SSE (EventSource) endpoint (with emulation layer)");
        Switch("http_stream.enabled", "enable bidirectional HTTP-streaming endpoint (with emulation layer)");
        Switch("init.enabled", "enable connection init endpoint");
        Switch("client.insecure", "start in insecure client mode");
        Switch("http_api.insecure", "use insecure API mode");
        Switch("http_api.external", "expose API handler on external port");
        Switch("grpc_api.enabled", "enable GRPC API server");
        Text("grpc_api.port", "port to bind GRPC API server to", defaultValue: "10000");
        Switch("uni_grpc.enabled", "enable unidirectional GRPC endpoint");
        Text("uni_grpc.port", "port to bind unidirectional GRPC server to", defaultValue: "11000");
    }

    public IEnumerable<Option> Options => _flags.Select(f => f.Option);

    /// <summary>Key path → value text for the flags present on the command line.</summary>
    public Dictionary<string, string> GivenValues(ParseResult parseResult)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, option, read) in _flags)
        {
            if (parseResult.GetResult(option) is { Implicit: false } && read(parseResult) is { } value)
            {
                values[key] = value;
            }
        }
        return values;
    }

    /// <summary>
    /// Values stay text (as Centrifugo's string flags do): the binder parses them with the key's type, so a bad
    /// <c>--http_server.port</c> is reported like any other bad value, naming the flag.
    /// </summary>
    private void Text(string key, string description, string? alias = null, string? defaultValue = null)
    {
        var option = alias is null ? new Option<string>("--" + key) : new Option<string>("--" + key, alias);
        option.Description = description;
        option.HelpName = key[(key.LastIndexOf('.') + 1)..];
        if (defaultValue is not null)
        {
            option.DefaultValueFactory = _ => defaultValue;
        }
        _flags.Add((key, option, parseResult => parseResult.GetValue(option)));
    }

    private void Switch(string key, string description)
    {
        var option = new Option<bool>("--" + key) { Description = description };
        _flags.Add((key, option, parseResult => parseResult.GetValue(option) ? "true" : "false"));
    }
}
