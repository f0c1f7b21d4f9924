using System.Diagnostics;
using System.Globalization;
using Gyre.Benchmarks.Embedded;
using Gyre.Protocol;
using Gyre.Protocol.Messages;

namespace Gyre.Benchmarks.Hub;

/// <summary>
/// What does one delivery cost in allocations and in CPU, measured over long windows? Answers more sharply
/// than <see cref="BroadcastBenchmarks"/> can at 10,000 subscribers and on a busy machine, and covers the
/// coalescing path too. Run with <c>--cost-probe</c>.
/// </summary>
/// <remarks>
/// <para>
/// Allocations: BenchmarkDotNet's <c>Allocated</c> column is process-wide bytes divided by the operations of one
/// iteration. At 10,000 subscribers an iteration holds only ~40 broadcasts, so a fixed few kilobytes per
/// iteration (GC bookkeeping, timers, the harness) shows up as 0–400 B per broadcast that is not the engine's.
/// The probe measures windows of about 1,000,000 deliveries and splits the bytes by thread: the publishing
/// thread (the encode, once per broadcast) and every other thread (the writer loops, where a per-delivery
/// allocation would appear as at least 24 B per delivery).
/// </para>
/// <para>
/// CPU: wall time per delivery grows whenever other processes share the two cores; process CPU time
/// (user + system, all threads) per delivery does much less, and it is the metric BENCHMARKS.md compares
/// servers by. It includes the spinning of the waiting thread and of idle pool workers before they block, so
/// on an idle 2-core machine it is about twice the wall time. Linux reports process CPU in 10 ms ticks,
/// hence the long windows.
/// </para>
/// <para>
/// The burst rows publish 16 publications before waiting, so writer loops find several queued messages and
/// take the coalescing path (pooled frame, everything queued up to 64 KB per write).
/// </para>
/// </remarks>
internal static class BroadcastCostProbe
{
    private const string Channel = "bench";
    private const int MinDeliveries = 1_000_000;

    /// <summary>Caps the one-subscriber rows, where a round trip costs ~20 µs of wall time.</summary>
    private const int MaxRounds = 200_000;

    public static async Task<int> RunAsync()
    {
        Console.WriteLine("| Protocols | Subscribers | Burst | Deliveries | Wall ns/delivery | CPU ns/delivery | Publishing thread B/broadcast | Other threads B/delivery | Frames/delivery |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var protocols in new[] { SubscriberProtocols.Json, SubscriberProtocols.Mixed })
        {
            foreach (var subscribers in new[] { 1, 100, 1_000, 10_000 })
            {
                await using var server = await EmbeddedServer.StartAsync();
                await server.ConnectSubscribersAsync(
                    Channel,
                    subscribers,
                    i => protocols == SubscriberProtocols.Mixed && i % 2 == 0 ? ProtocolType.Protobuf : ProtocolType.Json);
                foreach (var burst in new[] { 1, 16 })
                {
                    Measure(server, protocols, subscribers, burst);
                }

                server.AssertHealthy();
            }
        }

        return 0;
    }

    private static void Measure(EmbeddedServer server, SubscriberProtocols protocols, int subscribers, int burst)
    {
        var publication = Payloads.Publication();
        var rounds = Math.Clamp(MinDeliveries / (subscribers * burst), 100, MaxRounds);

        // Warm-up: JIT tiers, thread-pool queues and the writers' pooled frames reach their steady size.
        Broadcast(server, publication, subscribers, burst, rounds / 4);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        using var process = Process.GetCurrentProcess();
        var framesBefore = server.Transports.Sum(t => t.Frames);
        var cpuBefore = process.TotalProcessorTime;
        var totalBefore = GC.GetTotalAllocatedBytes(precise: true);
        var threadBefore = GC.GetAllocatedBytesForCurrentThread();
        var wall = Stopwatch.StartNew();
        Broadcast(server, publication, subscribers, burst, rounds);
        wall.Stop();
        var thread = GC.GetAllocatedBytesForCurrentThread() - threadBefore;
        var total = GC.GetTotalAllocatedBytes(precise: true) - totalBefore;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var frames = server.Transports.Sum(t => t.Frames) - framesBefore;

        var broadcasts = (double)rounds * burst;
        var deliveries = broadcasts * subscribers;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {protocols} | {subscribers} | {burst} | {deliveries:N0} | {wall.Elapsed.TotalNanoseconds / deliveries:N0} | {cpu.TotalNanoseconds / deliveries:N0} | {thread / broadcasts:N1} | {(total - thread) / deliveries:N4} | {frames / deliveries:N3} |"));
    }

    private static void Broadcast(EmbeddedServer server, Publication publication, int subscribers, int burst, int rounds)
    {
        for (var round = 0; round < rounds; round++)
        {
            server.Countdown.Reset((long)subscribers * burst);
            for (var i = 0; i < burst; i++)
            {
                server.Node.Hub.BroadcastPublication(Channel, publication, Gyre.Core.Engine.StreamPosition.None);
            }

            server.Countdown.Wait(EmbeddedServer.Timeout);
        }
    }
}
