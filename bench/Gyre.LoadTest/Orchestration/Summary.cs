using System.Text.Json.Nodes;

namespace Gyre.LoadTest.Orchestration;

/// <summary>Medians over rounds per (scenario, peer, metric), and OURS/peer ratios of those medians.</summary>
internal static class Summary
{
    /// <summary>The headline metrics: scenario prefix, JSON path in a run result, and whether higher is better.</summary>
    public static readonly (string Scenario, string Metric, bool HigherIsBetter, string Unit)[] Metrics =
    [
        ("S1", "rssPerConnection", false, "B"),
        ("S1", "heapPerConnection", false, "B"),
        ("S1", "heapAfterFullGcPerConnection", false, "B"),
        ("S1", "idleCpuUsPerConnectionSecond", false, "µs/s"),
        ("S2", "maxDeliveriesPerSecond", true, "/s"),
        ("S2", "p99AtMaxMs", false, "ms"),
        ("S2", "cpuUsPerDeliveryAt50k", false, "µs"),
        ("S2", "cpuUsPerDeliveryAt200k", false, "µs"),
        ("S2", "syscallsPerDeliveryAt50k", false, ""),
        ("S2", "syscallsPerDeliveryAt200k", false, ""),
        ("S2", "cpuUsPerDeliveryAtMax", false, "µs"),
        ("S4", "connectsPerSecond", true, "/s"),
        ("S4", "latencyMs.p99", false, "ms"),
        ("S4", "serverCpuMsPerConnection", false, "ms"),
        ("S5", "maxCommandsPerSecond", true, "/s"),
        ("S5", "p99AtFirstRateMs", false, "ms"),
        ("S5", "cpuUsPerCommandAtFirstRate", false, "µs"),
    ];

    public static (JsonObject Medians, JsonObject Ratios) Build(JsonArray runs, string[] peers)
    {
        var medians = new JsonObject();
        var ratios = new JsonObject();
        var variants = runs.Select(r => (string)r!["scenario"]!).Distinct().ToList();
        foreach (var variant in variants)
        {
            var scenario = variant.Split('-')[0];
            var perPeer = new JsonObject();
            foreach (var peer in peers)
            {
                var results = runs.Where(r => (string)r!["scenario"]! == variant && (string)r["peer"]! == peer).Select(r => r!["result"]!.AsObject()).ToList();
                var values = new JsonObject { ["rounds"] = results.Count, ["validRounds"] = results.Count(r => (bool?)r["valid"] ?? false) };
                foreach (var (s, metric, _, _) in Metrics.Where(m => m.Scenario == scenario))
                {
                    var samples = results.Where(r => (bool?)r["valid"] ?? false).Select(r => Lookup(r, metric)).OfType<double>().ToList();
                    values[metric] = samples.Count == 0 ? null : Median(samples);
                }

                perPeer[peer] = values;
            }

            medians[variant] = perPeer;
            if (!peers.Contains("OURS"))
            {
                continue;
            }

            var variantRatios = new JsonObject();
            foreach (var (_, metric, _, _) in Metrics.Where(m => m.Scenario == scenario))
            {
                var byPeer = new JsonObject();
                var ours = (double?)perPeer["OURS"]?[metric];
                foreach (var peer in peers.Where(p => p != "OURS"))
                {
                    var theirs = (double?)perPeer[peer]?[metric];
                    byPeer["OURS/" + peer] = ours is null || theirs is null || theirs == 0 ? null : Math.Round(ours.Value / theirs.Value, 3);
                }

                variantRatios[metric] = byPeer;
            }

            ratios[variant] = variantRatios;
        }

        return (medians, ratios);
    }

    public static double? Lookup(JsonObject result, string path)
    {
        JsonNode? node = result;
        foreach (var part in path.Split('.'))
        {
            node = node?[part];
        }

        return node is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        var n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2;
    }
}

/// <summary>
/// The smoke gate: rules on ratios only. A rule fails when OURS's ratio to a peer crosses its min or max.
/// A ratio that could not be computed (a failed or generator-bound run on either side) is reported as
/// "missing" and does not fail the gate: the run's own errors say why.
/// </summary>
internal static class Gate
{
    public static JsonObject Evaluate(JsonObject ratios, JsonObject thresholds)
    {
        var checks = new JsonArray();
        var passed = true;
        foreach (var rule in thresholds["rules"]!.AsArray())
        {
            var metric = (string)rule!["metric"]!;
            var pair = (string)rule["ratio"]!;
            var dot = metric.IndexOf('.', StringComparison.Ordinal);
            var value = (double?)ratios[metric[..dot]]?[metric[(dot + 1)..]]?[pair];
            var min = (double?)rule["min"];
            var max = (double?)rule["max"];
            string verdict;
            if (value is null)
            {
                verdict = "missing";
            }
            else if ((min is not null && value < min) || (max is not null && value > max))
            {
                verdict = "FAIL";
                passed = false;
            }
            else
            {
                verdict = "ok";
            }

            checks.Add(new JsonObject { ["metric"] = metric, ["ratio"] = pair, ["value"] = value, ["min"] = min, ["max"] = max, ["verdict"] = verdict });
        }

        return new JsonObject { ["passed"] = passed, ["checks"] = checks };
    }
}
