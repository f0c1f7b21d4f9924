using Microsoft.AspNetCore.Http;

namespace Gyre.Peers;

/// <summary>
/// <c>GET /bench/stats</c> on every .NET peer: managed heap size as the GC last saw it, and with
/// <c>?gc=1</c> after a full blocking compacting collection (read RSS before asking for that).
/// </summary>
internal static class BenchStats
{
    public static IResult Handle(HttpContext context)
    {
        var full = context.Request.Query["gc"] == "1";
        if (full)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        var info = GC.GetGCMemoryInfo();
        return Results.Json(new Dictionary<string, long>
        {
            ["heap"] = GC.GetTotalMemory(false),
            ["heapAfterLastGc"] = info.HeapSizeBytes,
            ["gcCount"] = GC.CollectionCount(0),
            ["allocated"] = GC.GetTotalAllocatedBytes(false),
        });
    }
}

/// <summary>Minimal <c>--name value</c> argument lookup.</summary>
internal static class Args
{
    public static string Get(string[] args, string name, string fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
    }
}
