using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Gyre.LoadTest.Orchestration;

namespace Gyre.LoadTest.Reporting;

/// <summary>The side-by-side table: medians per peer, then OURS/peer ratios, then the gate.</summary>
internal static class Markdown
{
    public static string Render(JsonObject report)
    {
        var sb = new StringBuilder();
        var machine = report["machine"]!;
        var probe = report["probe"]!;
        sb.AppendLine(CultureInfo.InvariantCulture, $"# Gyre load test — {report["mode"]} run {report["timestamp"]}");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Commit `{report["commit"]}`; {machine["cpus"]} × {machine["cpuModel"]}, kernel {machine["kernel"]}, .NET {machine["dotnet"]}; {machine["pinning"]}.");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Load average before: {machine["loadavg"]}; after: {report["machineAfter"]?["loadavg"]}. Duration {report["durationSeconds"]} s.");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Probe: syscall {probe["syscallNs"]} ns, 100 B loopback send {probe["loopbackSend100BCpuUs"]} µs CPU ({probe["a6Reference"]}). Syscalls: {report["perf"]}.");
        sb.AppendLine();

        var medians = report["summary"]!.AsObject();
        var peers = report["peers"]!.AsArray().Select(p => (string)p!["label"]!).ToArray();
        foreach (var (variant, perPeerNode) in medians)
        {
            var scenario = variant.Split('-')[0];
            var metrics = Summary.Metrics.Where(m => m.Scenario == scenario).ToArray();
            sb.AppendLine(CultureInfo.InvariantCulture, $"## {variant} — medians over valid rounds");
            sb.AppendLine();
            sb.Append("| peer | valid rounds |");
            foreach (var m in metrics)
            {
                sb.Append(CultureInfo.InvariantCulture, $" {m.Metric}{(m.Unit.Length > 0 ? $" ({m.Unit})" : "")} |");
            }

            sb.AppendLine();
            sb.Append("|---|---|");
            sb.AppendLine(string.Concat(metrics.Select(_ => "---:|")));
            foreach (var peer in peers)
            {
                var row = perPeerNode![peer];
                sb.Append(CultureInfo.InvariantCulture, $"| {peer} | {row?["validRounds"]}/{row?["rounds"]} |");
                foreach (var m in metrics)
                {
                    sb.Append(CultureInfo.InvariantCulture, $" {Format((double?)row?[m.Metric])} |");
                }

                sb.AppendLine();
            }

            sb.AppendLine();
            if (report["ratios"]?[variant] is JsonObject ratios)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"Ratios OURS/peer ({variant}; for rates > 1 is better, for costs < 1 is better):");
                sb.AppendLine();
                var pairs = peers.Where(p => p != "OURS").Select(p => "OURS/" + p).ToArray();
                sb.AppendLine("| metric | " + string.Join(" | ", pairs) + " |");
                sb.AppendLine("|---|" + string.Concat(pairs.Select(_ => "---:|")));
                foreach (var (metric, byPair) in ratios)
                {
                    sb.AppendLine("| " + metric + " | " + string.Join(" | ", pairs.Select(p => Format((double?)byPair?[p], ratio: true))) + " |");
                }

                sb.AppendLine();
            }
        }

        if (report["gate"] is JsonObject gate)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"## Smoke gate: {((bool)gate["passed"]! ? "passed" : "FAILED")}");
            sb.AppendLine();
            sb.AppendLine("| metric | ratio | value | min | max | verdict |");
            sb.AppendLine("|---|---|---:|---:|---:|---|");
            foreach (var c in gate["checks"]!.AsArray())
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {c!["metric"]} | {c["ratio"]} | {Format((double?)c["value"], ratio: true)} | {c["min"]} | {c["max"]} | {c["verdict"]} |");
            }

            sb.AppendLine();
        }

        var errors = report["runs"]!.AsArray().Where(r => r!["result"]?["error"] is not null).ToList();
        if (errors.Count > 0)
        {
            sb.AppendLine("## Failed runs");
            sb.AppendLine();
            foreach (var r in errors)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"- round {r!["round"]} {r["scenario"]} {r["peer"]}: {r["result"]!["error"]}");
            }

            sb.AppendLine();
        }

        return sb.ToString();
    }

    public static string Format(double? value, bool ratio = false)
    {
        if (value is null || double.IsNaN(value.Value))
        {
            return "–";
        }

        var v = value.Value;
        if (ratio)
        {
            return v.ToString("0.00", CultureInfo.InvariantCulture);
        }

        return Math.Abs(v) switch
        {
            >= 1_000_000 => (v / 1_000_000).ToString("0.00", CultureInfo.InvariantCulture) + "M",
            >= 10_000 => (v / 1_000).ToString("0.0", CultureInfo.InvariantCulture) + "k",
            >= 100 => v.ToString("0", CultureInfo.InvariantCulture),
            >= 1 => v.ToString("0.00", CultureInfo.InvariantCulture),
            _ => v.ToString("0.000", CultureInfo.InvariantCulture),
        };
    }
}
