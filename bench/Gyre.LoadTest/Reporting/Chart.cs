using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Gyre.LoadTest.Reporting;

/// <summary>
/// A dependency-free SVG: for each S2 variant, max sustained deliveries/s per peer (bars) and p99 latency
/// against achieved throughput for every step of round 1 (lines); for S1, bytes per idle connection.
/// </summary>
internal static class Chart
{
    private static readonly string[] Colors = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

    public static string Render(JsonObject report)
    {
        var peers = report["peers"]!.AsArray().Select(p => (string)p!["label"]!).ToArray();
        var panels = new List<Func<double, double, string>>();
        foreach (var (variant, perPeer) in report["summary"]!.AsObject())
        {
            if (variant.StartsWith("S2", StringComparison.Ordinal))
            {
                var values = peers.Select(p => (p, (double?)perPeer![p]?["maxDeliveriesPerSecond"] ?? 0)).ToArray();
                panels.Add((x, y) => Bars(x, y, $"{variant}: max sustained deliveries/s (0 loss, p99 < 50 ms), median", values, peers));
                var runs = report["runs"]!.AsArray().Where(r => (string)r!["scenario"]! == variant && (int)r["round"]! == 1).ToList();
                panels.Add((x, y) => Lines(x, y, $"{variant}: p99 latency (ms, log) vs achieved deliveries/s, round 1", runs, peers));
            }
            else if (variant == "S1")
            {
                var values = peers.Select(p => (p, (double?)perPeer![p]?["rssPerConnection"] ?? 0)).ToArray();
                panels.Add((x, y) => Bars(x, y, "S1: RSS bytes per idle connection (slope), median — lower is better", values, peers));
            }
            else if (variant == "S4")
            {
                var values = peers.Select(p => (p, (double?)perPeer![p]?["connectsPerSecond"] ?? 0)).ToArray();
                panels.Add((x, y) => Bars(x, y, "S4: connect + auth + subscribe per second, median", values, peers));
            }
            else if (variant == "S5")
            {
                var values = peers.Select(p => (p, (double?)perPeer![p]?["maxCommandsPerSecond"] ?? 0)).ToArray();
                panels.Add((x, y) => Bars(x, y, "S5: max commands/s with p99 < 5 ms, median", values, peers));
            }
        }

        const double PanelWidth = 460;
        const double PanelHeight = 280;
        var columns = 2;
        var rows = (panels.Count + columns - 1) / columns;
        var width = columns * PanelWidth + 20;
        var height = rows * PanelHeight + 50;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"11\">");
        sb.Append(CultureInfo.InvariantCulture, $"<rect width=\"100%\" height=\"100%\" fill=\"white\"/><text x=\"10\" y=\"20\" font-size=\"14\">Gyre load test ({report["mode"]}, commit {Escape(((string?)report["commit"] ?? "")[..Math.Min(10, ((string?)report["commit"] ?? "").Length)])}, {report["timestamp"]})</text>");
        for (var i = 0; i < panels.Count; i++)
        {
            sb.Append(panels[i](10 + (i % columns * PanelWidth), 40 + (i / columns * PanelHeight)));
        }

        sb.Append("</svg>");
        return sb.ToString();
    }

    private static string Bars(double x, double y, string title, (string Peer, double Value)[] values, string[] peers)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{x}\" y=\"{y + 12}\" font-weight=\"bold\">{Escape(title)}</text>");
        var max = Math.Max(1, values.Max(v => v.Value));
        const double Height = 200;
        var barWidth = 400.0 / Math.Max(1, values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            var h = values[i].Value / max * Height;
            var bx = x + 20 + (i * barWidth);
            var by = y + 30 + Height - h;
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{bx:F1}\" y=\"{by:F1}\" width=\"{barWidth * 0.7:F1}\" height=\"{h:F1}\" fill=\"{Colors[Array.IndexOf(peers, values[i].Peer) % Colors.Length]}\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{bx:F1}\" y=\"{by - 3:F1}\">{Markdown.Format(values[i].Value)}</text>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{bx:F1}\" y=\"{y + 30 + Height + 14:F1}\">{values[i].Peer}</text>");
        }

        return sb.ToString();
    }

    private static string Lines(double x, double y, string title, List<JsonNode?> runs, string[] peers)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{x}\" y=\"{y + 12}\" font-weight=\"bold\">{Escape(title)}</text>");
        var series = runs.Select(r => ((string)r!["peer"]!, (r["result"]?["steps"] as JsonArray ?? []).Select(s => ((double)s!["deliveriesPerSecond"]!, Math.Max(0.1, (double)s["latencyMs"]!["p99"]!))).ToArray())).ToList();
        var maxX = Math.Max(1, series.SelectMany(s => s.Item2).Select(p => p.Item1).DefaultIfEmpty(1).Max());
        const double Width = 400;
        const double Height = 200;
        double Px(double v) => x + 40 + (v / maxX * Width);
        double Py(double ms) => y + 30 + Height - ((Math.Log10(ms) + 1) / 5 * Height); // 0.1 ms .. 10 s
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x + 40}\" y1=\"{y + 30 + Height}\" x2=\"{x + 40 + Width}\" y2=\"{y + 30 + Height}\" stroke=\"#999\"/>");
        foreach (var ms in new[] { 1.0, 10, 50, 1000 })
        {
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x + 40}\" y1=\"{Py(ms):F1}\" x2=\"{x + 40 + Width}\" y2=\"{Py(ms):F1}\" stroke=\"#eee\"/><text x=\"{x}\" y=\"{Py(ms) + 4:F1}\">{ms} ms</text>");
        }

        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 40 + Width - 60}\" y=\"{y + 30 + Height + 14}\">{Markdown.Format(maxX)}/s</text>");
        var legend = 0;
        foreach (var (peer, points) in series)
        {
            var color = Colors[Array.IndexOf(peers, peer) % Colors.Length];
            if (points.Length > 0)
            {
                var path = string.Join(" ", points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{Px(p.Item1):F1},{Py(p.Item2):F1}")));
                sb.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>");
            }

            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 50 + (legend++ * 60)}\" y=\"{y + 26}\" fill=\"{color}\">{peer}</text>");
        }

        return sb.ToString();
    }

    private static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal);
}
