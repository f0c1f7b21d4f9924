using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Gyre.Benchmarks.Hub;

/// <summary>
/// Median time per operation divided by the <c>Subscribers</c> parameter: the number BENCHMARKS.md compares
/// across servers ("delivery" = one publication arriving at one subscriber).
/// </summary>
/// <remarks>
/// The median, not the mean: on a shared 2-core VM a few iterations overlap other processes' bursts, and the
/// mean of ten iterations follows them.
/// </remarks>
internal sealed class PerDeliveryColumn : IColumn
{
    public string Id => nameof(PerDeliveryColumn);

    public string ColumnName => "ns/delivery";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Median divided by Subscribers, in nanoseconds";

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        if (summary[benchmarkCase]?.ResultStatistics is not { } statistics
            || benchmarkCase.Parameters["Subscribers"] is not int subscribers
            || subscribers <= 0)
        {
            return "-";
        }

        return (statistics.Median / subscribers).ToString("N1", CultureInfo.InvariantCulture);
    }
}
