using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Gyre.LoadTest.Orchestration;

/// <summary>A server under test: how to start it, where it listens, which client protocol it speaks.</summary>
internal sealed record PeerSpec(string Label, string Description, string File, string[] Args, int Port, string Protocol, bool IsDotnet)
{
    /// <summary>The five peers of BENCHMARKS.md B3, in the interleaving order.</summary>
    public static PeerSpec[] All(string root)
    {
        string Dll(string project) => Path.Combine(root, "bench", "peers", project, "bin", "Release", "net10.0", project + ".dll");
        string Js(string file) => Path.Combine(root, "bench", "peers", "node", file);
        return
        [
            new("OURS", "Gyre, Centrifugo JSON protocol, default options", "dotnet", [Dll("Gyre.Peers.GyreHost"), "--port", "18000"], 18000, "centrifugo-json", true),
            new("KRAW", "raw Kestrel: frame once, coalescing writer loop, zero-byte reads", "dotnet", [Dll("Gyre.Peers.Kraw"), "--port", "18001"], 18001, "raw", true),
            new("SIGR", "ASP.NET Core SignalR hub, JSON, WebSockets only", "dotnet", [Dll("Gyre.Peers.SignalR"), "--port", "18002"], 18002, "signalr-json", true),
            new("SIO", "Socket.IO 4.8, WebSocket transport only", "node", [Js("sio.js"), "--port", "18003"], 18003, "socketio", false),
            new("WSN", "ws 8.x broadcast loop", "node", [Js("wsn.js"), "--port", "18004"], 18004, "raw", false),
            new("OURS-PB", "Gyre, Centrifugo Protobuf protocol", "dotnet", [Dll("Gyre.Peers.GyreHost"), "--port", "18000"], 18000, "centrifugo-protobuf", true),
        ];
    }
}

/// <summary>A started server pinned to the server core.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private ServerProcess(PeerSpec spec, Process process)
    {
        Spec = spec;
        Process = process;
    }

    public PeerSpec Spec { get; }

    public Process Process { get; }

    public int Pid => Process.Id;

    /// <summary>Extra environment for the .NET peers (<c>--dotnet-env K=V</c>), the same for all of them.</summary>
    public static Dictionary<string, string> DotnetEnv { get; } = [];

    public static async Task<ServerProcess> StartAsync(PeerSpec spec, string workDir)
    {
        // Same runtime settings for every .NET peer: Server GC (one heap on one pinned core), default tiering.
        var env = new Dictionary<string, string> { ["DOTNET_gcServer"] = "1", ["ASPNETCORE_ENVIRONMENT"] = "Production" };
        if (spec.IsDotnet)
        {
            foreach (var (k, v) in DotnetEnv)
            {
                env[k] = v;
            }
        }

        var process = Processes.Start(1, spec.File, spec.Args, Path.Combine(workDir, $"server-{spec.Label}.log"), env);
        var server = new ServerProcess(spec, process);
        await Processes.WaitForPortAsync(spec.Port, process, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return server;
    }

    /// <summary>Managed heap bytes (GC heap for .NET, V8 heapUsed for Node); with <paramref name="fullGc"/> after a forced full GC (.NET only).</summary>
    public async Task<long> HeapBytesAsync(bool fullGc = false)
    {
        try
        {
            var url = $"http://127.0.0.1:{Spec.Port}/bench/stats" + (fullGc ? "?gc=1" : "");
            var stats = await Http.GetFromJsonAsync<JsonObject>(url).ConfigureAwait(false);
            return (long?)stats?["heap"] ?? -1;
        }
        catch (HttpRequestException)
        {
            return -1;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Processes.Stop(Process);
        // Give the kernel a moment to release the listening port and sockets before the next peer.
        await Task.Delay(300).ConfigureAwait(false);
    }

    public override string ToString() => Spec.Label + " pid " + Pid.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A load-generator worker process pinned to the generator core, driven by JSON lines.</summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Lock _sendLock = new();

    private WorkerProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    /// <summary><c>raw</c> (the default raw-socket client) or <c>cws</c> (ClientWebSocket, raw protocol only; for the client cost comparison).</summary>
    public static string ClientKind { get; set; } = "raw";

    public static async Task<WorkerProcess> StartAsync(PeerSpec spec, string workDir, int number)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Gyre.LoadTest.dll");
        var env = new Dictionary<string, string>
        {
            // Socket completions run on the epoll thread: no thread-pool hop per read (a hand-written epoll loop's shape).
            ["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1",
            ["DOTNET_gcServer"] = "0",
        };
        var process = Processes.Start(0, "dotnet", [dll, "worker", "--server", $"127.0.0.1:{spec.Port}", "--protocol", spec.Protocol, "--client", ClientKind], Path.Combine(workDir, $"worker-{spec.Label}-{number}.log"), env, redirectIo: true);
        var worker = new WorkerProcess(process);
        var ready = await worker.ReadAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        if (ready["ready"] is null)
        {
            throw new InvalidOperationException("worker did not start: " + ready.ToJsonString());
        }

        return worker;
    }

    public async Task<JsonObject> SendAsync(JsonObject command, TimeSpan? timeout = null)
    {
        lock (_sendLock)
        {
            _process.StandardInput.WriteLine(command.ToJsonString());
            _process.StandardInput.Flush();
        }

        var reply = await ReadAsync(timeout ?? TimeSpan.FromMinutes(5)).ConfigureAwait(false);
        if (reply["error"] is { } error)
        {
            throw new InvalidOperationException($"worker {command["cmd"]}: {error}");
        }

        return reply;
    }

    private async Task<JsonObject> ReadAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var line = await _process.StandardOutput.ReadLineAsync(cts.Token).ConfigureAwait(false)
            ?? throw new InvalidOperationException("worker exited");
        return JsonNode.Parse(line)!.AsObject();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await SendAsync(new JsonObject { ["cmd"] = "close" }, TimeSpan.FromSeconds(20)).ConfigureAwait(false);
                await _process.WaitForExitAsync(new CancellationTokenSource(5000).Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or IOException)
        {
            // Stopped by PID below.
        }

        Processes.Stop(_process);
    }
}
