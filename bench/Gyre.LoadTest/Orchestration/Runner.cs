using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gyre.LoadTest.Reporting;

namespace Gyre.LoadTest.Orchestration;

/// <summary>
/// <c>Gyre.LoadTest run [--smoke] --root REPO --out DIR [--rounds N] [--scenarios S1,S2] [--peers OURS,KRAW]
/// [--thresholds FILE] [--pidfile FILE] [--commit SHA]</c>: runs the scenarios peer by peer, interleaved
/// over rounds, and writes the JSON, markdown and SVG report. With thresholds, exits 1 when a ratio
/// regressed past its limit (never on an absolute number); 2 when the run itself broke.
/// </summary>
internal static class Runner
{
    public static async Task<int> MainAsync(string[] args)
    {
        if (args.Length == 0 || args[0] != "run")
        {
            Console.Error.WriteLine("usage: Gyre.LoadTest run [--smoke] --root REPO --out DIR [--rounds N] [--scenarios S1,S2,S4,S5] [--peers OURS,KRAW,SIGR,SIO,WSN] [--thresholds FILE]");
            return 2;
        }

        var settings = Has(args, "--smoke") ? Settings.Smoke : Settings.Full;
        if (Get(args, "--rounds") is { } rounds)
        {
            settings = settings with { Rounds = int.Parse(rounds, CultureInfo.InvariantCulture) };
        }

        if (Get(args, "--scenarios") is { } scenarioList)
        {
            settings = settings with { Scenarios = scenarioList.Split(',') };
        }

        if (Get(args, "--peers") is { } peers)
        {
            settings = settings with { Peers = peers.Split(',') };
        }

        if (Get(args, "--s2-subscribers") is { } subscriberList)
        {
            settings = settings with { S2Subscribers = [.. subscriberList.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] };
        }

        if (Get(args, "--s1-sizes") is { } sizes)
        {
            settings = settings with { S1Sizes = [.. sizes.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] };
        }

        if (Get(args, "--s1-hold") is { } holdSeconds)
        {
            settings = settings with { S1HoldSeconds = double.Parse(holdSeconds, CultureInfo.InvariantCulture) };
        }

        if (Get(args, "--s4-clients") is { } clients)
        {
            settings = settings with { S4Clients = int.Parse(clients, CultureInfo.InvariantCulture) };
        }

        if (Get(args, "--s2-p99-limit") is { } p99Limit)
        {
            settings = settings.WithP99Limit(double.Parse(p99Limit, CultureInfo.InvariantCulture));
        }

        if (Get(args, "--s2-warmup") is { } s2Warmup)
        {
            settings = settings with { S2WarmupSeconds = double.Parse(s2Warmup, CultureInfo.InvariantCulture) };
        }

        if (Get(args, "--s2-step") is { } s2Step)
        {
            settings = settings with { S2StepSeconds = double.Parse(s2Step, CultureInfo.InvariantCulture) };
        }

        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--dotnet-env" && args[i + 1].Split('=', 2) is [var key, var value])
            {
                ServerProcess.DotnetEnv[key] = value;
            }
        }

        if (Get(args, "--client") is { } client)
        {
            WorkerProcess.ClientKind = client;
        }

        var root = Path.GetFullPath(Get(args, "--root") ?? ".");
        var outDir = Path.GetFullPath(Get(args, "--out") ?? Path.Combine(root, "bench", "results"));
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + (settings.Mode == "smoke" ? "-smoke" : "");
        var workDir = Path.Combine(Path.GetTempPath(), "gyre-bench-" + stamp);
        Directory.CreateDirectory(workDir);
        Directory.CreateDirectory(outDir);
        Processes.Init(Get(args, "--pidfile"));

        var specs = PeerSpec.All(root).Where(p => settings.Peers.Contains(p.Label)).OrderBy(p => Array.IndexOf(settings.Peers, p.Label)).ToArray();
        var report = new JsonObject
        {
            ["timestamp"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            ["mode"] = settings.Mode,
            ["commit"] = Get(args, "--commit") ?? "unknown",
            ["machine"] = Machine(),
            ["probe"] = Probe.Run(),
            ["settings"] = JsonSerializer.SerializeToNode(settings),
            ["peers"] = new JsonArray([.. specs.Select(s => (JsonNode)new JsonObject { ["label"] = s.Label, ["description"] = s.Description, ["protocol"] = s.Protocol })]),
            ["perf"] = Perf.Available ? "raw_syscalls:sys_enter via perf stat" : "unavailable: " + Perf.UnavailableReason,
            ["logs"] = workDir,
            ["dotnetEnv"] = JsonSerializer.SerializeToNode(ServerProcess.DotnetEnv),
            ["client"] = WorkerProcess.ClientKind == "cws" ? "ClientWebSocket" : "raw-socket WebSocket client",
        };
        Log($"bench {settings.Mode}: {string.Join(",", settings.Scenarios)} × {string.Join(",", specs.Select(s => s.Label))} × {settings.Rounds} round(s); logs in {workDir}");

        var runs = new JsonArray();
        var scenarios = new Scenarios(settings, workDir);
        var clock = Stopwatch.StartNew();
        var broken = false;
        try
        {
            for (var round = 1; round <= settings.Rounds; round++)
            {
                foreach (var scenario in settings.Scenarios)
                {
                    var variants = scenario == "S2" ? settings.S2Subscribers.Select(n => (Name: $"S2-{n}", Subs: n)).ToArray() : [(Name: scenario, Subs: 0)];
                    foreach (var (variant, subs) in variants)
                    {
                        foreach (var peer in specs)
                        {
                            Log($"round {round} {variant} {peer.Label}");
                            JsonObject result;
                            try
                            {
                                result = scenario switch
                                {
                                    "S1" => await scenarios.S1Async(peer).ConfigureAwait(false),
                                    "S2" => await scenarios.S2Async(peer, subs).ConfigureAwait(false),
                                    "S4" => await scenarios.S4Async(peer).ConfigureAwait(false),
                                    "S5" => await scenarios.S5Async(peer).ConfigureAwait(false),
                                    _ => throw new ArgumentException("unknown scenario " + scenario),
                                };
                            }
                            catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or KeyNotFoundException or NullReferenceException or FormatException)
                            {
                                Log($"  {variant} {peer.Label} failed: {e.Message}");
                                result = new JsonObject { ["valid"] = false, ["error"] = e.GetType().Name + ": " + e.Message };
                            }

                            runs.Add(new JsonObject { ["scenario"] = variant, ["peer"] = peer.Label, ["round"] = round, ["result"] = result });
                        }
                    }
                }
            }
        }
        catch (Exception e)
        {
            Log("run aborted: " + e);
            broken = true;
        }
        finally
        {
            Processes.StopAll();
        }

        report["durationSeconds"] = Math.Round(clock.Elapsed.TotalSeconds);
        report["machineAfter"] = Machine();
        report["runs"] = runs;
        var summary = Summary.Build(runs, specs.Select(s => s.Label).ToArray());
        report["summary"] = summary.Medians;
        report["ratios"] = summary.Ratios;

        var exit = broken ? 2 : 0;
        if (Get(args, "--thresholds") is { } thresholdsPath)
        {
            var gate = Gate.Evaluate(summary.Ratios, JsonNode.Parse(await File.ReadAllTextAsync(thresholdsPath).ConfigureAwait(false))!.AsObject());
            report["gate"] = gate;
            if (!(bool)gate["passed"]!)
            {
                exit = Math.Max(exit, 1);
            }
        }

        var basePath = Path.Combine(outDir, stamp);
        await File.WriteAllTextAsync(basePath + ".json", report.ToJsonString(new JsonSerializerOptions { WriteIndented = true })).ConfigureAwait(false);
        var markdown = Markdown.Render(report);
        await File.WriteAllTextAsync(basePath + ".md", markdown).ConfigureAwait(false);
        await File.WriteAllTextAsync(basePath + ".svg", Chart.Render(report)).ConfigureAwait(false);
        Console.WriteLine(markdown);
        Log($"wrote {basePath}.json/.md/.svg in {clock.Elapsed.TotalSeconds:F0} s; exit {exit}");
        return exit;
    }

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    private static bool Has(string[] args, string name) => args.Contains(name);

    private static string? Get(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    private static JsonObject Machine()
    {
        static string Read(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : "";
        var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "";
        return new JsonObject
        {
            ["cpus"] = Environment.ProcessorCount,
            ["cpuModel"] = model,
            ["kernel"] = Read("/proc/sys/kernel/osrelease"),
            ["loadavg"] = Read("/proc/loadavg"),
            ["memAvailableBytes"] = ProcFs.MemInfo("MemAvailable"),
            ["dotnet"] = Environment.Version.ToString(),
            ["pinning"] = $"server: taskset -c 1; generator workers, orchestrator and perf: taskset -c 0; nice {Processes.Nice}",
        };
    }
}
