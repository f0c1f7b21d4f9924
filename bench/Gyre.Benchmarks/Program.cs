using BenchmarkDotNet.Running;
using Gyre.Benchmarks.Budgets;
using Gyre.Benchmarks.Hub;

// Three modes (bench/README.md):
//   [BenchmarkDotNet arguments]                 run benchmarks, e.g. --filter '*Broadcast*' --job Short
//   --check-budgets [BenchmarkDotNet arguments] run and compare allocations with bench/allocation-budgets.json
//   --cost-probe                                broadcast allocations by thread and CPU per delivery, long windows
//   --redis [--count N] [--rounds N] [--out DIR] Redis engine publish/delivery against a local redis-server
return args switch
{
    ["--check-budgets", .. var rest] => AllocationBudgets.Check(rest),
    ["--cost-probe"] => await BroadcastCostProbe.RunAsync(),
    ["--redis", .. var rest] => await Gyre.Benchmarks.Redis.RedisEngineProbe.RunAsync(rest),
    _ => Run(args),
};

static int Run(string[] args)
{
    var summaries = BenchmarkSwitcher.FromAssembly(typeof(Gyre.Benchmarks.Embedded.EmbeddedServer).Assembly).Run(args).ToList();
    return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
}
