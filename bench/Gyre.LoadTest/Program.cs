using System.Net;
using Gyre.LoadTest.Orchestration;
using Gyre.LoadTest.Worker;

// Gyre.LoadTest: `run` orchestrates servers, workers and reports (see bench/README.md); `worker` is one
// load-generator process driven by the orchestrator over stdin/stdout.
if (args.Length > 0 && args[0] == "worker")
{
    var options = new WorkerOptions(
        IPEndPoint.Parse(Arg(args, "--server", "127.0.0.1:8000")),
        Arg(args, "--protocol", "centrifugo-json"),
        Arg(args, "--publish-path", "/api/publish"),
        Arg(args, "--api-key", "bench"),
        Arg(args, "--hmac-secret", "bench-secret"),
        Arg(args, "--client", "raw"));
    return await new LoadWorker(options).RunAsync();
}

return await Runner.MainAsync(args);

static string Arg(string[] args, string name, string fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
}
