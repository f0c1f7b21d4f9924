using System.Diagnostics;
using System.Text.Json.Nodes;
using Gyre.LoadTest.Clients;
using Gyre.LoadTest.Worker;

namespace Gyre.LoadTest.Orchestration;

/// <summary>The scenarios of BENCHMARKS.md B4, each run against one freshly started server.</summary>
internal sealed class Scenarios(Settings settings, string workDir)
{
    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    private async Task<List<WorkerProcess>> StartWorkersAsync(PeerSpec peer, int connections)
    {
        var count = Math.Max(1, (connections + settings.ConnectionsPerWorker - 1) / settings.ConnectionsPerWorker);
        var workers = new List<WorkerProcess>();
        for (var i = 0; i < count; i++)
        {
            workers.Add(await WorkerProcess.StartAsync(peer, workDir, i).ConfigureAwait(false));
        }

        return workers;
    }

    private static async Task DisposeAllAsync(List<WorkerProcess> workers)
    {
        foreach (var w in workers)
        {
            await w.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Connects <paramref name="total"/> clients spread over the workers (in parallel); merges the results.</summary>
    private static async Task<JsonObject> ConnectAsync(List<WorkerProcess> workers, int total, int firstIndex, string channel, bool personal, double rate, int concurrency)
    {
        var per = (total + workers.Count - 1) / workers.Count;
        var tasks = new List<Task<JsonObject>>();
        var assigned = 0;
        foreach (var w in workers)
        {
            var n = Math.Min(per, total - assigned);
            if (n <= 0)
            {
                break;
            }

            tasks.Add(w.SendAsync(new JsonObject
            {
                ["cmd"] = "connect",
                ["count"] = n,
                ["firstIndex"] = firstIndex + assigned,
                ["channel"] = channel,
                ["personal"] = personal,
                ["rate"] = rate / workers.Count,
                ["concurrency"] = Math.Max(1, concurrency / workers.Count),
                ["timeoutSeconds"] = 60,
            }));
            assigned += n;
        }

        var results = await Task.WhenAll(tasks).ConfigureAwait(false);
        var merged = LatencyRecorder.NewHistogram();
        foreach (var r in results)
        {
            HistogramJson.AddTo(merged, r["histogram"] as JsonArray);
        }

        var errors = new JsonObject();
        foreach (var r in results)
        {
            foreach (var (k, v) in r["errors"]!.AsObject())
            {
                errors[k] = ((int?)errors[k] ?? 0) + (int)v!;
            }
        }

        return new JsonObject
        {
            ["connected"] = results.Sum(r => (int)r["connected"]!),
            ["failed"] = results.Sum(r => (int)r["failed"]!),
            ["errors"] = errors,
            ["elapsedMs"] = results.Max(r => (double)r["elapsedMs"]!),
            ["latencyMs"] = HistogramJson.Summary(merged),
        };
    }

    private static async Task ResetAsync(List<WorkerProcess> workers)
    {
        foreach (var w in workers)
        {
            await w.SendAsync(new JsonObject { ["cmd"] = "reset" }).ConfigureAwait(false);
        }
    }

    private static async Task<(long Received, long Duplicates, long Reordered, long Open, long Closed, long EchoSent, long EchoCompleted, JsonObject Latency, long LastReceiveTicks)> CollectAsync(List<WorkerProcess> workers, long expected, int quietMs, bool waitEcho = false)
    {
        var results = await Task.WhenAll(workers.Select(w => w.SendAsync(new JsonObject
        {
            ["cmd"] = "collect",
            ["expected"] = expected,
            ["waitEcho"] = waitEcho,
            ["quietMs"] = quietMs,
            ["maxWaitMs"] = 5000,
        }))).ConfigureAwait(false);
        var merged = LatencyRecorder.NewHistogram();
        foreach (var r in results)
        {
            HistogramJson.AddTo(merged, r["histogram"] as JsonArray);
        }

        long Sum(string name) => results.Sum(r => (long)r[name]!);
        return (Sum("received"), Sum("duplicates"), Sum("reordered"), Sum("open"), Sum("closed"), Sum("echoSent"), Sum("echoCompleted"), HistogramJson.Summary(merged), results.Max(r => (long)r["lastReceiveTicks"]!));
    }

    private static async Task<JsonObject> MemoryPointAsync(ServerProcess server, int connections)
    {
        await Task.Delay(1000).ConfigureAwait(false);
        return new JsonObject
        {
            ["connections"] = connections,
            ["rssBytes"] = ProcFs.RssBytes(server.Pid),
            ["heapBytes"] = await server.HeapBytesAsync().ConfigureAwait(false),
            ["slabBytes"] = ProcFs.MemInfo("Slab"),
        };
    }

    /// <summary>Least-squares slope of y over x.</summary>
    private static double Slope(IReadOnlyList<(double X, double Y)> points)
    {
        var mx = points.Average(p => p.X);
        var my = points.Average(p => p.Y);
        var num = points.Sum(p => (p.X - mx) * (p.Y - my));
        var den = points.Sum(p => (p.X - mx) * (p.X - mx));
        return den == 0 ? double.NaN : num / den;
    }

    /// <summary>
    /// S1, idle footprint: ramp to each size (each client connects, authenticates where the protocol does, and
    /// subscribes a personal channel), sample RSS, managed heap and kernel slab; per-connection cost is the
    /// slope over the sizes. Then hold and measure idle CPU per connection.
    /// </summary>
    public async Task<JsonObject> S1Async(PeerSpec peer)
    {
        var max = settings.S1Sizes.Max();
        await using var server = await ServerProcess.StartAsync(peer, workDir).ConfigureAwait(false);
        var workers = await StartWorkersAsync(peer, max).ConfigureAwait(false);
        try
        {
            var points = new JsonArray { await MemoryPointAsync(server, 0).ConfigureAwait(false) };
            var connected = 0;
            var failed = 0;
            foreach (var size in settings.S1Sizes)
            {
                var r = await ConnectAsync(workers, size - connected, connected, "p", personal: true, settings.S1ConnectRate, 256).ConfigureAwait(false);
                failed += (int)r["failed"]!;
                connected = size;
                points.Add(await MemoryPointAsync(server, size).ConfigureAwait(false));
                Log($"  S1 {peer.Label} {size} connections, rss {(long)points[^1]!["rssBytes"]! / 1048576.0:F1} MiB, failed {failed}");
            }

            var hold = new CpuWindow(server.Pid, workers.Select(w => w.Pid));
            await Task.Delay(TimeSpan.FromSeconds(settings.S1HoldSeconds)).ConfigureAwait(false);
            var holdCpu = hold.Finish();
            var heapAfterGc = peer.IsDotnet ? await server.HeapBytesAsync(fullGc: true).ConfigureAwait(false) : -1;
            var collect = await CollectAsync(workers, 0, 0).ConfigureAwait(false);

            var measured = points.Skip(1).Select(p => ((double)(int)p!["connections"]!, (double)(long)p["rssBytes"]!)).ToList();
            var heap = points.Skip(1).Select(p => ((double)(int)p!["connections"]!, (double)(long)p["heapBytes"]!)).ToList();
            var slab = points.Skip(1).Select(p => ((double)(int)p!["connections"]!, (double)(long)p["slabBytes"]!)).ToList();
            var idleUs = (double)holdCpu["serverCpuMs"]! * 1000 / max / (settings.S1HoldSeconds);
            return new JsonObject
            {
                ["rssPerConnection"] = Math.Round(Slope(measured)),
                ["heapPerConnection"] = Math.Round(Slope(heap)),
                ["slabPerConnection"] = Math.Round(Slope(slab)),
                ["heapAfterFullGcPerConnection"] = heapAfterGc > 0 ? Math.Round((double)heapAfterGc / max) : null,
                ["idleCpuUsPerConnectionSecond"] = Math.Round(idleUs, 3),
                ["connections"] = max,
                ["failed"] = failed,
                ["closedDuringHold"] = collect.Closed,
                ["points"] = points,
                ["hold"] = holdCpu,
                ["valid"] = failed == 0 && collect.Closed == 0,
            };
        }
        finally
        {
            await DisposeAllAsync(workers).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// S2, hot-channel broadcast: N subscribers on one channel, open-loop publishing at stepped rates. A step
    /// passes with zero loss, p99 under the limit and every client still connected; the search stops at the
    /// first failing step or at a step where the generator was the bottleneck.
    /// </summary>
    public async Task<JsonObject> S2Async(PeerSpec peer, int subscribers)
    {
        await using var server = await ServerProcess.StartAsync(peer, workDir).ConfigureAwait(false);
        var workers = await StartWorkersAsync(peer, subscribers).ConfigureAwait(false);
        try
        {
            var c = await ConnectAsync(workers, subscribers, 0, "hot", personal: false, 4_000, 256).ConfigureAwait(false);
            if ((int)c["failed"]! > 0)
            {
                return new JsonObject { ["valid"] = false, ["error"] = "connect failures: " + c.ToJsonString() };
            }

            // Warm-up (JIT tiers, pools) at the cost rate; not measured.
            await StepAsync(server, workers, subscribers, settings.S2WarmupRate, settings.S2WarmupSeconds, measureSyscalls: false).ConfigureAwait(false);

            var steps = new JsonArray();
            JsonObject? best = null;
            var costs = new Dictionary<double, JsonObject>();
            string? stoppedBy = null;
            foreach (var rate in settings.S2Rates)
            {
                var step = await StepAsync(server, workers, subscribers, rate, settings.S2StepSeconds, measureSyscalls: true).ConfigureAwait(false);
                steps.Add(step);
                var achieved = (double)step["deliveriesPerSecond"]!;
                Log($"  S2 {peer.Label} {subscribers} subs target {rate / 1000:F0}k/s: {achieved / 1000:F1}k/s p99 {(double)step["latencyMs"]!["p99"]!:F1} ms loss {(long)step["lost"]!} srv {(double)step["cpu"]!["serverBusy"]!:P0} (+{(double?)step["cpu"]!["serverCoreForeign"] ?? 0:P0} foreign) gen {(double)step["cpu"]!["generatorBusy"]!:P0} {((bool)step["pass"]! ? "pass" : "FAIL")}");
                if (settings.S2CostRates.Contains(rate))
                {
                    costs[rate] = step;
                }

                if (!(bool)step["generatorOk"]!)
                {
                    stoppedBy ??= "generator-bound";
                }
                else if (!(bool)step["pass"]!)
                {
                    stoppedBy ??= "failed step";
                }
                else if (stoppedBy is null)
                {
                    best = step;
                    continue;
                }

                // After the first failure go on only to measure the cost rates, and only while the server keeps up.
                if (rate >= settings.S2CostRates.Max() || achieved < 0.9 * rate)
                {
                    break;
                }
            }

            stoppedBy ??= "end of rate list";
            return new JsonObject
            {
                ["subscribers"] = subscribers,
                ["payload"] = settings.S2Payload,
                // A generator-bound search says nothing about the server's limit: only a lower bound, kept out of medians.
                ["maxDeliveriesPerSecond"] = stoppedBy == "generator-bound" ? null : best is null ? 0 : (double)best["deliveriesPerSecond"]!,
                ["maxDeliveriesPerSecondLowerBound"] = best is null ? 0 : (double)best["deliveriesPerSecond"]!,
                ["p99AtMaxMs"] = best is null ? null : (double)best["latencyMs"]!["p99"]!,
                ["cpuUsPerDeliveryAt50k"] = costs.GetValueOrDefault(50_000)?["serverCpuUsPerDelivery"]?.DeepClone(),
                ["syscallsPerDeliveryAt50k"] = costs.GetValueOrDefault(50_000)?["syscallsPerDelivery"]?.DeepClone(),
                ["cpuUsPerDeliveryAt200k"] = costs.GetValueOrDefault(200_000)?["serverCpuUsPerDelivery"]?.DeepClone(),
                ["syscallsPerDeliveryAt200k"] = costs.GetValueOrDefault(200_000)?["syscallsPerDelivery"]?.DeepClone(),
                ["cpuUsPerDeliveryAtMax"] = best?["serverCpuUsPerDelivery"]?.DeepClone(),
                ["syscallsPerDeliveryAtMax"] = best?["syscallsPerDelivery"]?.DeepClone(),
                ["stoppedBy"] = stoppedBy,
                ["steps"] = steps,
                ["valid"] = stoppedBy != "generator-bound" || best is not null,
                ["generatorBound"] = stoppedBy == "generator-bound",
            };
        }
        finally
        {
            await DisposeAllAsync(workers).ConfigureAwait(false);
        }
    }

    private async Task<JsonObject> StepAsync(ServerProcess server, List<WorkerProcess> workers, int subscribers, double deliveriesPerSecond, double seconds, bool measureSyscalls)
    {
        var publishRate = deliveriesPerSecond / subscribers;
        var count = Math.Max(1, (long)(publishRate * seconds));
        await ResetAsync(workers).ConfigureAwait(false);
        var window = new CpuWindow(server.Pid, workers.Select(w => w.Pid));
        var started = Stopwatch.GetTimestamp();
        var syscalls = measureSyscalls ? Perf.CountSyscallsAsync(server.Pid, seconds, workDir) : Task.FromResult<long?>(null);
        var publish = await workers[0].SendAsync(new JsonObject
        {
            ["cmd"] = "publish",
            ["channel"] = "hot",
            ["rate"] = publishRate,
            ["count"] = count,
            ["payload"] = settings.S2Payload,
        }).ConfigureAwait(false);
        var accepted = (long)publish["accepted"]!;
        var collected = await CollectAsync(workers, accepted, 1000).ConfigureAwait(false);
        var cpu = window.Finish();
        var syscallCount = await syscalls.ConfigureAwait(false);
        var expected = accepted * subscribers;
        var lost = expected - collected.Received;
        var p99 = (double)collected.Latency["p99"]!;
        var serverCpuMs = (double)cpu["serverCpuMs"]!;
        var generatorOk = (double)cpu["generatorBusy"]! <= settings.GeneratorBusyLimit;
        var deliverySeconds = Math.Max(seconds, (collected.LastReceiveTicks - started) / (double)Stopwatch.Frequency);
        var deliveredPerSecond = collected.Received / deliverySeconds;
        return new JsonObject
        {
            ["targetDeliveriesPerSecond"] = deliveriesPerSecond,
            ["publishRate"] = Math.Round(publishRate, 2),
            ["published"] = (long)publish["sent"]!,
            ["accepted"] = accepted,
            ["publishErrors"] = (long)publish["errors"]!,
            ["publisherMaxLagMs"] = (double)publish["maxLagMs"]!,
            ["expected"] = expected,
            ["received"] = collected.Received,
            ["lost"] = lost,
            ["duplicates"] = collected.Duplicates,
            ["reordered"] = collected.Reordered,
            ["closed"] = collected.Closed,
            // Over the time it took to deliver everything: from the first scheduled publication to the last read.
            ["deliveriesPerSecond"] = Math.Round(deliveredPerSecond),
            ["deliveredFraction"] = Math.Round(deliveredPerSecond / deliveriesPerSecond, 3),
            ["latencyMs"] = collected.Latency,
            ["cpu"] = cpu,
            ["serverCpuUsPerDelivery"] = collected.Received == 0 ? null : Math.Round(serverCpuMs * 1000 / collected.Received, 3),
            // perf counts for `seconds`, the publishing part of the window: divide by what was published in it.
            ["syscallsPerDelivery"] = syscallCount is null || expected == 0 ? null : Math.Round((double)syscallCount.Value / expected, 4),
            ["syscalls"] = syscallCount,
            ["generatorOk"] = generatorOk,
            // Sustained: everything delivered, nobody dropped, p99 under the limit, and the delivery rate kept up
            // with the target: ≥ 90% of it, measured to the last read (a saturated server falls behind and drains after the step).
            ["pass"] = lost == 0 && collected.Duplicates == 0 && collected.Closed == 0 && p99 < settings.S2P99LimitMs
                && (long)publish["errors"]! == 0 && deliveredPerSecond >= 0.9 * deliveriesPerSecond,
        };
    }

    /// <summary>
    /// S4, connect storm: all clients connect, authenticate and subscribe (personal channels) as fast as the
    /// in-flight window allows, spread over 127.0.0.x sources and several worker processes.
    /// </summary>
    public async Task<JsonObject> S4Async(PeerSpec peer)
    {
        await using var server = await ServerProcess.StartAsync(peer, workDir).ConfigureAwait(false);
        var workers = await StartWorkersAsync(peer, settings.S4Clients).ConfigureAwait(false);
        try
        {
            // Warm-up: a few hundred connections first, so JIT and pools are not part of the storm.
            await ConnectAsync(workers, 200, 1_000_000, "w", personal: true, 2_000, 50).ConfigureAwait(false);
            await Task.Delay(1000).ConfigureAwait(false);
            var window = new CpuWindow(server.Pid, workers.Select(w => w.Pid));
            var clock = Stopwatch.StartNew();
            var r = await ConnectAsync(workers, settings.S4Clients, 0, "s", personal: true, 0, settings.S4Concurrency).ConfigureAwait(false);
            var elapsed = clock.Elapsed.TotalSeconds;
            var cpu = window.Finish();
            var connected = (int)r["connected"]!;
            Log($"  S4 {peer.Label}: {connected} in {elapsed:F2} s = {connected / elapsed:F0}/s, p99 {(double)r["latencyMs"]!["p99"]!:F0} ms, failed {(int)r["failed"]!}");
            return new JsonObject
            {
                ["clients"] = settings.S4Clients,
                ["connected"] = connected,
                ["failed"] = (int)r["failed"]!,
                ["errors"] = r["errors"]!.DeepClone(),
                ["seconds"] = Math.Round(elapsed, 3),
                ["connectsPerSecond"] = Math.Round(connected / elapsed),
                ["latencyMs"] = r["latencyMs"]!.DeepClone(),
                ["serverCpuMsPerConnection"] = connected == 0 ? null : Math.Round((double)cpu["serverCpuMs"]! / connected, 4),
                ["cpu"] = cpu,
                ["valid"] = (double)cpu["generatorBusy"]! <= settings.GeneratorBusyLimit,
            };
        }
        finally
        {
            await DisposeAllAsync(workers).ConfigureAwait(false);
        }
    }

    /// <summary>S5, command round trip: open-loop echo commands at stepped total rates until p99 reaches the limit.</summary>
    public async Task<JsonObject> S5Async(PeerSpec peer)
    {
        await using var server = await ServerProcess.StartAsync(peer, workDir).ConfigureAwait(false);
        var workers = await StartWorkersAsync(peer, settings.S5Connections).ConfigureAwait(false);
        try
        {
            await ConnectAsync(workers, settings.S5Connections, 0, "e", personal: true, 4_000, 256).ConfigureAwait(false);
            await EchoStepAsync(server, workers, settings.S5Rates[0], 2).ConfigureAwait(false);
            var steps = new JsonArray();
            JsonObject? best = null;
            foreach (var rate in settings.S5Rates)
            {
                var step = await EchoStepAsync(server, workers, rate, settings.S5StepSeconds).ConfigureAwait(false);
                steps.Add(step);
                Log($"  S5 {peer.Label} {rate / 1000:F0}k/s: p50 {(double)step["latencyMs"]!["p50"]!:F2} p99 {(double)step["latencyMs"]!["p99"]!:F2} ms lost {(long)step["lost"]!} srv {(double)step["cpu"]!["serverBusy"]!:P0} gen {(double)step["cpu"]!["generatorBusy"]!:P0}");
                if (!(bool)step["generatorOk"]! || !(bool)step["pass"]!)
                {
                    break;
                }

                best = step;
            }

            var first = steps[0]!.AsObject();
            return new JsonObject
            {
                ["connections"] = settings.S5Connections,
                ["maxCommandsPerSecond"] = best is null ? 0 : (double)best["commandsPerSecond"]!,
                ["p50AtFirstRateMs"] = (double)first["latencyMs"]!["p50"]!,
                ["p99AtFirstRateMs"] = (double)first["latencyMs"]!["p99"]!,
                ["p999AtFirstRateMs"] = (double)first["latencyMs"]!["p999"]!,
                ["cpuUsPerCommandAtFirstRate"] = first["serverCpuUsPerCommand"]?.DeepClone(),
                ["steps"] = steps,
                ["valid"] = steps.Any(s => (bool)s!["generatorOk"]!),
            };
        }
        finally
        {
            await DisposeAllAsync(workers).ConfigureAwait(false);
        }
    }

    private async Task<JsonObject> EchoStepAsync(ServerProcess server, List<WorkerProcess> workers, double rate, double seconds)
    {
        await ResetAsync(workers).ConfigureAwait(false);
        var window = new CpuWindow(server.Pid, workers.Select(w => w.Pid));
        var sends = await Task.WhenAll(workers.Select(w => w.SendAsync(new JsonObject
        {
            ["cmd"] = "echo",
            ["rate"] = rate / workers.Count,
            ["seconds"] = seconds,
            ["payload"] = 100,
        }))).ConfigureAwait(false);
        var sendMs = window.Finish()["wallMs"]!.GetValue<double>();
        var collected = await CollectAsync(workers, 0, 1000, waitEcho: true).ConfigureAwait(false);
        var cpu = window.Finish();
        var lost = collected.EchoSent - collected.EchoCompleted;
        var p99 = (double)collected.Latency["p99"]!;
        return new JsonObject
        {
            ["targetCommandsPerSecond"] = rate,
            ["sent"] = collected.EchoSent,
            ["completed"] = collected.EchoCompleted,
            ["lost"] = lost,
            ["commandsPerSecond"] = Math.Round(collected.EchoCompleted / (sendMs / 1000)),
            ["senderMaxLagMs"] = sends.Max(s => (double)s["maxLagMs"]!),
            ["latencyMs"] = collected.Latency,
            ["cpu"] = cpu,
            ["serverCpuUsPerCommand"] = collected.EchoCompleted == 0 ? null : Math.Round((double)cpu["serverCpuMs"]! * 1000 / collected.EchoCompleted, 3),
            ["generatorOk"] = (double)cpu["generatorBusy"]! <= settings.GeneratorBusyLimit,
            ["pass"] = lost == 0 && collected.Closed == 0 && p99 < settings.S5P99LimitMs,
        };
    }
}
