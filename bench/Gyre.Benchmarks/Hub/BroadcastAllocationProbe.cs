using System.Globalization;
using Gyre.Benchmarks.Embedded;
using Gyre.Protocol;

namespace Gyre.Benchmarks.Hub;

/// <summary>
/// Answers "does a delivery allocate?" more sharply than <see cref="BroadcastBenchmarks"/> can at 10,000
/// subscribers, and for the coalescing path too. Run with <c>--alloc-probe</c>.
/// </summary>
/// <remarks>
/// <para>
/// BenchmarkDotNet's <c>Allocated</c> column is process-wide bytes divided by the operations of one iteration.
/// At 10,000 subscribers an iteration holds only ~40 broadcasts, so a fixed few kilobytes per iteration (GC
/// bookkeeping, timers, the harness) shows up as ~150 B per broadcast that is not the engine's. This probe
/// measures windows of at least 200,000 deliveries and splits the bytes by thread: the publishing thread (the
/// encode, once per broadcast) and every other thread (the writer loops, where a per-delivery allocation
/// would appear).
/// </para>
/// <para>
/// The burst rows publish 16 publications before waiting, so writer loops find several queued messages and
/// take the coalescing path (pooled frame, up to <see cref="Core.ClientOptions.MaxMessagesInFrame"/> messages
/// per write).
/// </para>
/// </remarks>
internal static class BroadcastAllocationProbe
{
    private const string Channel = "bench";
    private const int MinDeliveries = 200_000;

    public static async Task<int> RunAsync()
    {
        Console.WriteLine("| Protocols | Subscribers | Burst | Broadcasts | Publishing thread B/broadcast | Other threads B/broadcast | Other threads B/delivery | Frames/delivery |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
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
        var rounds = Math.Max(100, MinDeliveries / (subscribers * burst));

        // Warm-up: JIT tiers, thread-pool queues and the writers' pooled frames reach their steady size.
        Broadcast(server, publication, subscribers, burst, rounds / 4);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        var framesBefore = server.Transports.Sum(t => t.Frames);
        var totalBefore = GC.GetTotalAllocatedBytes(precise: true);
        var threadBefore = GC.GetAllocatedBytesForCurrentThread();
        Broadcast(server, publication, subscribers, burst, rounds);
        var thread = GC.GetAllocatedBytesForCurrentThread() - threadBefore;
        var total = GC.GetTotalAllocatedBytes(precise: true) - totalBefore;
        var frames = server.Transports.Sum(t => t.Frames) - framesBefore;

        var broadcasts = (double)rounds * burst;
        var deliveries = broadcasts * subscribers;
        var other = total - thread;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"| {protocols} | {subscribers} | {burst} | {broadcasts:N0} | {thread / broadcasts:N1} | {other / broadcasts:N2} | {other / deliveries:N4} | {frames / deliveries:N3} |"));
    }

    private static void Broadcast(EmbeddedServer server, Gyre.Protocol.Messages.Publication publication, int subscribers, int burst, int rounds)
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
