using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Running;

namespace Gyre.Benchmarks.Budgets;

/// <summary>
/// Runs benchmarks and compares their allocated bytes per operation with <c>bench/allocation-budgets.json</c>:
/// a hot path that starts allocating fails the check even when nobody reads the tables.
/// </summary>
/// <remarks>
/// Allocations are deterministic where time is not, so a short job suffices and the check runs unchanged on a
/// 2-core VM. A budget marked <c>warnOnly</c> is reported but never fails the run: it is kept for benchmarks
/// whose per-operation figure carries harness noise (see each entry's <c>note</c>). A benchmark that ran but has
/// no budget fails, so new benchmarks get one. Same idea as Garnet's <c>BDN_Benchmark_Config.json</c>.
/// </remarks>
internal static class AllocationBudgets
{
    private const string RelativePath = "bench/allocation-budgets.json";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { ReadCommentHandling = JsonCommentHandling.Skip };

    /// <summary>
    /// <c>--check-budgets [--budgets path] [BenchmarkDotNet arguments]</c>. Without <c>--filter</c> every
    /// benchmark runs; without <c>--job</c> the short job is used. Benchmarks always run in-process: allocated
    /// bytes are process-wide deltas around the measured iterations, the same in a child process, and the child
    /// build can exceed BenchmarkDotNet's 120 s build timeout on a busy 2-core VM. Returns the exit code.
    /// </summary>
    public static int Check(string[] args)
    {
        var path = TakeOption(ref args, "--budgets") ?? Locate();
        var budgets = JsonSerializer.Deserialize<BudgetFile>(File.ReadAllText(path), JsonOptions)?.Budgets
            ?? throw new InvalidDataException($"{path} holds no budgets");

        if (!args.Any(a => a is "--filter" or "-f"))
        {
            args = [.. args, "--filter", "*"];
        }

        if (!args.Any(a => a is "--job" or "-j"))
        {
            args = [.. args, "--job", "Short"];
        }

        if (!args.Any(a => a is "--inProcess" or "-i"))
        {
            args = [.. args, "--inProcess"];
        }

        var config = DefaultConfig.Instance.AddDiagnoser(MemoryDiagnoser.Default);
        var reports = BenchmarkSwitcher.FromAssembly(typeof(AllocationBudgets).Assembly).Run(args, config).SelectMany(s => s.Reports).ToList();
        if (reports.Count == 0)
        {
            Console.Error.WriteLine("No benchmark ran; nothing was checked.");
            return 1;
        }

        var failures = 0;
        Console.WriteLine();
        Console.WriteLine($"Allocation budgets ({path}):");
        Console.WriteLine("| Benchmark | Allocated B/op | Budget B/op | Verdict |");
        Console.WriteLine("|---|---:|---:|---|");
        foreach (var report in reports)
        {
            var key = KeyOf(report.BenchmarkCase);
            var measured = report.Success ? report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) : null;
            budgets.TryGetValue(key, out var budget);
            var verdict = (measured, budget) switch
            {
                (null, _) => "FAIL (no measurement)",
                (_, null) => "FAIL (no budget: add one)",
                var (m, b) when m <= b.Allowed => "ok",
                (_, { WarnOnly: true }) => "WARN (over budget)",
                _ => "FAIL (over budget)",
            };
            if (verdict.StartsWith("FAIL", StringComparison.Ordinal))
            {
                failures++;
            }

            var shown = measured?.ToString(CultureInfo.InvariantCulture) ?? "-";
            Console.WriteLine($"| {key} | {shown} | {budget?.Allowed.ToString(CultureInfo.InvariantCulture) ?? "-"} | {verdict} |");
        }

        Console.WriteLine(failures == 0 ? "All allocation budgets hold." : $"{failures} allocation budget(s) failed.");
        return failures == 0 ? 0 : 1;
    }

    /// <summary><c>Type.Method(Param=Value, ...)</c>: stable across BenchmarkDotNet versions and readable in the JSON.</summary>
    public static string KeyOf(BenchmarkCase benchmarkCase)
    {
        var name = $"{benchmarkCase.Descriptor.Type.Name}.{benchmarkCase.Descriptor.WorkloadMethod.Name}";
        var parameters = benchmarkCase.Parameters.Items;
        return parameters.Count == 0
            ? name
            : $"{name}({string.Join(", ", parameters.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name}={p.Value}")))})";
    }

    private static string? TakeOption(ref string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        if (index < 0 || index == args.Length - 1)
        {
            return null;
        }

        var value = args[index + 1];
        args = [.. args[..index], .. args[(index + 2)..]];
        return value;
    }

    /// <summary>The budgets file from the working directory or any parent (the repository root in practice).</summary>
    private static string Locate()
    {
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, RelativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{RelativePath} not found above {Environment.CurrentDirectory}; pass --budgets <path>.");
    }

    private sealed record BudgetFile(Dictionary<string, Budget> Budgets);

    /// <param name="Measured">What the last recorded run allocated per operation (for the reader, not the check).</param>
    /// <param name="Allowed">The budget: a run allocating more fails (or warns).</param>
    /// <param name="WarnOnly">Report, never fail: the figure carries harness noise.</param>
    /// <param name="Note">Why the budget is what it is.</param>
    private sealed record Budget(long Measured, long Allowed, bool WarnOnly = false, string? Note = null);
}
