using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Gyre.Core.Engine;
using Gyre.Protocol.Messages;
using Gyre.Redis;
using StackExchange.Redis;
using ClientInfo = Gyre.Protocol.Messages.ClientInfo;
using PublishResult = Gyre.Core.Engine.PublishResult;
using StreamPosition = Gyre.Core.Engine.StreamPosition;

namespace Gyre.Benchmarks.Redis;

/// <summary>
/// Publish throughput and CPU of the Redis engine against a real local redis-server, next to the machine's own
/// <c>redis-benchmark</c> in the same run (BENCHMARKS.md R1–R4, S3-R).
/// </summary>
/// <remarks>
/// <para>Publish cases: <see cref="RedisBroker.PublishAsync"/> at a parallelism of 128 (R2's), with and without
/// history (history: one Lua script per publish; without: one <c>PUBLISH</c>), 100 B and 256 B payloads, over 128
/// channels nobody subscribes to. Measured per case: publications/s, bytes allocated by the whole process per
/// publish, and CPU seconds (utime+stime from <c>/proc/PID/stat</c>, 10 ms resolution) of this process and of
/// redis-server per 1M publications.</para>
/// <para>Delivery case (R4's shape): engine instance A publishes, instance B (its own connections) subscribed to
/// the channel receives through Redis PUB/SUB; messages/s from the first publish to the last receipt. Both run in
/// this process, so "process CPU" there is publisher plus subscriber.</para>
/// <para>Anchor run: <c>redis-benchmark -t set -n 200000 -q</c> unpipelined and with <c>-P 64</c> against the same
/// server, so ratios compare numbers taken minutes apart on the same box rather than across machines.</para>
/// </remarks>
internal static class RedisEngineProbe
{
    private const int Parallelism = 128;
    private const int Channels = 128;

    public static async Task<int> RunAsync(string[] args)
    {
        var count = IntOption(args, "--count", 200_000);
        var rounds = IntOption(args, "--rounds", 1);
        var output = StringOption(args, "--out") ?? DefaultResultsDirectory();
        Directory.CreateDirectory(output);

        await using var server = await RedisServer.StartAsync();
        Console.Error.WriteLine($"redis-server pid {server.Pid} on 127.0.0.1:{server.Port}; {count:N0} publications per case, parallelism {Parallelism}, {rounds} round(s)");

        var anchors = new List<AnchorResult>();
        var publishes = new List<PublishResultRow>();
        var deliveries = new List<DeliveryResultRow>();
        var options = RedisEngineOptions.Default with
        {
            Addresses = [$"127.0.0.1:{server.Port}"],
            Prefix = "gyrebench",
        };

        await using var publisherConnection = await RedisConnection.ConnectAsync(options);
        await using var subscriberConnection = await RedisConnection.ConnectAsync(options);
        var publisher = new RedisBroker(publisherConnection, "publisher");
        var subscriber = new RedisBroker(subscriberConnection, "subscriber");
        var counter = new CountingHandler();
        await publisher.StartAsync(new CountingHandler(), CancellationToken.None);
        await subscriber.StartAsync(counter, CancellationToken.None);
        await subscriber.SubscribeAsync("deliver", CancellationToken.None);

        // Tiering: every path once at a modest count before anything is recorded.
        foreach (var history in new[] { false, true })
        {
            await PublishCaseAsync(publisher, server.Pid, server.Port, history, 100, Math.Min(count, 50_000));
        }

        await DeliveryCaseAsync(publisher, counter, server.Pid, 100, Math.Min(count, 50_000));

        await using var raw = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{server.Port}");
        await RawPublishCaseAsync(raw, server.Pid, server.Port, 100, Math.Min(count, 50_000));
        for (var round = 1; round <= rounds; round++)
        {
            anchors.Add(await RedisBenchmarkAsync(server, pipeline: 1));
            anchors.Add(await RedisBenchmarkAsync(server, pipeline: 64));
            foreach (var history in new[] { false, true })
            {
                foreach (var size in new[] { 100, 256 })
                {
                    var row = await PublishCaseAsync(publisher, server.Pid, server.Port, history, size, count);
                    publishes.Add(row with { Round = round });
                    Console.Error.WriteLine(row);
                }
            }

            foreach (var size in new[] { 100, 256 })
            {
                var row = await RawPublishCaseAsync(raw, server.Pid, server.Port, size, count);
                publishes.Add(row with { Round = round });
                Console.Error.WriteLine(row);
            }

            foreach (var size in new[] { 100, 256 })
            {
                var row = await DeliveryCaseAsync(publisher, counter, server.Pid, size, count);
                deliveries.Add(row with { Round = round });
                Console.Error.WriteLine(row);
            }
        }

        await subscriber.DisposeAsync();
        await publisher.DisposeAsync();

        var report = new RedisReport(
            DateTime.UtcNow, Environment.ProcessorCount, Parallelism, count, RedisVersion(), LoadAverage(), anchors, publishes, deliveries);
        var stamp = report.Utc.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var json = Path.Combine(output, $"{stamp}-redis.json");
        var markdown = Path.Combine(output, $"{stamp}-redis.md");
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        await File.WriteAllTextAsync(markdown, Markdown(report));
        Console.WriteLine(Markdown(report));
        Console.Error.WriteLine($"wrote {json} and {markdown}");
        return 0;
    }

    private static async Task<PublishResultRow> PublishCaseAsync(RedisBroker broker, int redisPid, int port, bool history, int size, int count)
    {
        var publication = new Publication { Data = UnsafeByteOperations.UnsafeWrap(Payload(size)) };
        var options = history
            ? new PublishOptions { HistorySize = 100, HistoryTtl = TimeSpan.FromMinutes(5), HistoryMetaTtl = TimeSpan.FromHours(1) }
            : default;
        var channels = Enumerable.Range(0, Channels).Select(i => "bench." + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        await RedisCliAsync(port, "CONFIG", "RESETSTAT");
        var measured = await MeasureAsync(redisPid, count, i => broker.PublishAsync(channels[i % Channels], publication, options, CancellationToken.None));
        var commands = await CommandStatsAsync(port);
        return new PublishResultRow(0, history, size, count, measured.Seconds, count / measured.Seconds, measured.Allocated / (double)count,
            measured.ProcessCpu / count * 1e6, measured.RedisCpu / count * 1e6, commands);
    }

    /// <summary>
    /// The client library's own floor: the same <c>PUBLISH</c> of the same serialised publication straight through
    /// StackExchange.Redis, channel names and payload bytes built beforehand. Engine minus this is Gyre's share.
    /// </summary>
    private static async Task<PublishResultRow> RawPublishCaseAsync(ConnectionMultiplexer multiplexer, int redisPid, int port, int size, int count)
    {
        var payload = new Publication { Data = UnsafeByteOperations.UnsafeWrap(Payload(size)) }.ToByteArray();
        var channels = Enumerable.Range(0, Channels).Select(i => RedisChannel.Literal("gyrebench.client.bench." + i.ToString(CultureInfo.InvariantCulture))).ToArray();
        var database = multiplexer.GetDatabase();
        await RedisCliAsync(port, "CONFIG", "RESETSTAT");
        var measured = await MeasureAsync(redisPid, count, async i =>
        {
            await database.PublishAsync(channels[i % Channels], payload).ConfigureAwait(false);
            return default;
        });
        var commands = await CommandStatsAsync(port);
        return new PublishResultRow(0, false, size, count, measured.Seconds, count / measured.Seconds, measured.Allocated / (double)count,
            measured.ProcessCpu / count * 1e6, measured.RedisCpu / count * 1e6, commands, Raw: true);
    }

    private static async Task<DeliveryResultRow> DeliveryCaseAsync(RedisBroker publisher, CountingHandler counter, int redisPid, int size, int count)
    {
        var publication = new Publication { Data = UnsafeByteOperations.UnsafeWrap(Payload(size)) };
        var done = counter.Expect(count);
        var measured = await MeasureAsync(redisPid, count, i => publisher.PublishAsync("deliver", publication, default, CancellationToken.None), done);
        return new DeliveryResultRow(0, size, count, counter.Received, measured.Seconds, counter.Received / measured.Seconds,
            measured.Allocated / (double)count, measured.ProcessCpu / count * 1e6, measured.RedisCpu / count * 1e6);
    }

    /// <summary>
    /// Runs <paramref name="operation"/> <paramref name="count"/> times from <see cref="Parallelism"/> concurrent
    /// loops (each awaits its own call, like R2's goroutines), then waits for <paramref name="done"/> if given.
    /// </summary>
    private static async Task<Measurement> MeasureAsync(int redisPid, int count, Func<int, ValueTask<PublishResult>> operation, Task? done = null)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var next = -1;
        var processBefore = CpuSeconds(Environment.ProcessId);
        var redisBefore = CpuSeconds(redisPid);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        var loops = new Task[Parallelism];
        for (var p = 0; p < Parallelism; p++)
        {
            loops[p] = Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < count)
                {
                    await operation(i).ConfigureAwait(false);
                }
            });
        }

        await Task.WhenAll(loops);
        if (done is not null)
        {
            await done.WaitAsync(TimeSpan.FromSeconds(60)).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        return new Measurement(seconds, allocated, CpuSeconds(Environment.ProcessId) - processBefore, CpuSeconds(redisPid) - redisBefore);
    }

    private static async Task<AnchorResult> RedisBenchmarkAsync(RedisServer server, int pipeline)
    {
        var start = new ProcessStartInfo("redis-benchmark")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-h", "127.0.0.1", "-p", server.Port.ToString(CultureInfo.InvariantCulture), "-t", "set", "-n", "200000", "-q", "-P", pipeline.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        var redisBefore = CpuSeconds(server.Pid);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("redis-benchmark did not start (it comes with redis-tools).");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        var redisCpu = CpuSeconds(server.Pid) - redisBefore;

        // -q prints "SET: 84674.80 requests per second, p50=0.303 msec" after carriage-return progress lines.
        var text = (await stdout) + (await stderr);
        var match = Regex.Match(text, @"SET: ([0-9.]+) requests per second");
        if (!match.Success)
        {
            throw new InvalidOperationException($"Unexpected redis-benchmark output: {text}");
        }

        var rate = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var row = new AnchorResult($"redis-benchmark -t set -n 200000 -q{(pipeline > 1 ? $" -P {pipeline}" : "")}", pipeline, rate, redisCpu / 200_000 * 1e6);
        Console.Error.WriteLine(row);
        return row;
    }

    /// <summary>Calls per command since the last reset, from <c>INFO commandstats</c> with Redis's own microseconds per call (e.g. <c>evalsha=20000 (11.5 µs)</c>).</summary>
    private static async Task<string> CommandStatsAsync(int port)
    {
        var text = await RedisCliAsync(port, "INFO", "commandstats");
        var calls = Regex.Matches(text, @"cmdstat_([a-z|]+):calls=(\d+),usec=\d+,usec_per_call=([0-9.]+)")
            .Where(m => !m.Groups[1].Value.StartsWith("config", StringComparison.Ordinal) && m.Groups[1].Value != "info")
            .Select(m => $"{m.Groups[1].Value}={m.Groups[2].Value} ({m.Groups[3].Value} µs)");
        return string.Join(' ', calls);
    }

    private static async Task<string> RedisCliAsync(int port, params string[] command)
    {
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture) }.Concat(command))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("redis-cli did not start (it comes with redis-tools).");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return output;
    }

    /// <summary>utime + stime of a process in seconds, from field 14 and 15 of <c>/proc/PID/stat</c>.</summary>
    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

        // After the command name: field 3 is index 0, so utime (14) is index 11 and stime (15) index 12.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0;
    }

    private static byte[] Payload(int size)
    {
        var bytes = new byte[size];
        Array.Fill(bytes, (byte)'x');
        bytes[0] = (byte)'"';
        bytes[^1] = (byte)'"';
        return bytes;
    }

    private static string RedisVersion()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("redis-server", "--version") { RedirectStandardOutput = true });
            var text = process!.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return text;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "";

    private static string DefaultResultsDirectory()
    {
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            var results = Path.Combine(directory.FullName, "bench", "results");
            if (Directory.Exists(results))
            {
                return results;
            }
        }

        return Environment.CurrentDirectory;
    }

    private static int IntOption(string[] args, string name, int fallback)
    {
        var value = StringOption(args, name);
        if (value is null)
        {
            return fallback;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0
            ? parsed
            : throw new ArgumentException($"{name} needs a positive integer, got '{value}'.");
    }

    private static string? StringOption(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index < 0 ? null : index + 1 < args.Length ? args[index + 1] : throw new ArgumentException($"{name} needs a value.");
    }

    private static string Markdown(RedisReport report)
    {
        static string N(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);
        var set = Median(report.Anchors.Where(a => a.Pipeline == 1).Select(a => a.RequestsPerSecond));
        var setPipelined = Median(report.Anchors.Where(a => a.Pipeline > 1).Select(a => a.RequestsPerSecond));
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Redis engine probe, {report.Utc:yyyy-MM-dd HH:mm:ss} UTC");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{report.Cores} cores, nothing pinned; {report.Redis}; load average at the end: {report.LoadAverage}.");
        text.AppendLine(CultureInfo.InvariantCulture, $"Publish: parallelism {report.Parallelism}, {N(report.Count)} publications per case over {Channels} channels without subscribers.");
        text.AppendLine();
        text.AppendLine("| Anchor run (same server) | requests/s | redis CPU s per 1M |");
        text.AppendLine("|---|---:|---:|");
        foreach (var anchor in report.Anchors)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| `{anchor.Command}` | {N(anchor.RequestsPerSecond)} | {N(anchor.RedisCpuSecondsPerMillion, "F2")} |");
        }

        text.AppendLine();
        text.AppendLine("| Case | payload | publications/s | bytes allocated per publish | process CPU s per 1M | redis CPU s per 1M | ÷ SET | ÷ SET -P 64 | redis commands |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var row in report.Publishes)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {(row.Raw ? "StackExchange.Redis PUBLISH alone (floor)" : row.History ? "engine publish with history (script)" : "engine publish without history (PUBLISH)")} | {row.PayloadBytes} B | {N(row.PerSecond)} | {N(row.BytesAllocatedPerPublish)} | {N(row.ProcessCpuSecondsPerMillion, "F2")} | {N(row.RedisCpuSecondsPerMillion, "F2")} | {N(row.PerSecond / set, "F2")} | {N(row.PerSecond / setPipelined, "F2")} | {row.RedisCommands} |");
        }

        foreach (var row in report.Deliveries)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| delivery A → Redis → B ({N(row.Received)}/{N(row.Published)} received) | {row.PayloadBytes} B | {N(row.DeliveredPerSecond)} delivered | {N(row.BytesAllocatedPerMessage)} | {N(row.ProcessCpuSecondsPerMillion, "F2")} | {N(row.RedisCpuSecondsPerMillion, "F2")} | {N(row.DeliveredPerSecond / set, "F2")} | {N(row.DeliveredPerSecond / setPipelined, "F2")} | |");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Medians over {report.Publishes.Select(p => p.Round).Distinct().Count()} round(s):");
        text.AppendLine();
        text.AppendLine("| Case | payload | per s | bytes allocated | process CPU s per 1M | redis CPU s per 1M | ÷ SET | ÷ SET -P 64 |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var group in report.Publishes.GroupBy(p => (p.Raw, p.History, p.PayloadBytes)))
        {
            var perSecond = Median(group.Select(p => p.PerSecond));
            var name = group.Key.Raw ? "StackExchange.Redis PUBLISH alone" : group.Key.History ? "engine publish with history" : "engine publish without history";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {group.Key.PayloadBytes} B | {N(perSecond)} | {N(Median(group.Select(p => p.BytesAllocatedPerPublish)))} | {N(Median(group.Select(p => p.ProcessCpuSecondsPerMillion)), "F2")} | {N(Median(group.Select(p => p.RedisCpuSecondsPerMillion)), "F2")} | {N(perSecond / set, "F2")} | {N(perSecond / setPipelined, "F2")} |");
        }

        foreach (var group in report.Deliveries.GroupBy(d => d.PayloadBytes))
        {
            var perSecond = Median(group.Select(d => d.DeliveredPerSecond));
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| delivery A → Redis → B | {group.Key} B | {N(perSecond)} | {N(Median(group.Select(d => d.BytesAllocatedPerMessage)))} | {N(Median(group.Select(d => d.ProcessCpuSecondsPerMillion)), "F2")} | {N(Median(group.Select(d => d.RedisCpuSecondsPerMillion)), "F2")} | {N(perSecond / set, "F2")} | {N(perSecond / setPipelined, "F2")} |");
        }

        text.AppendLine();
        text.AppendLine("Anchors (BENCHMARKS.md): R1 SET 84,674/s, SET -P 64 666,880/s; R2 rueidis ~1.7M publications/s = 20.1× R1's SET and 2.55× its");
        text.AppendLine("SET -P 64 (redigo ~0.7M/s = 8.3× and 1.05×); R3 at 50k publications/s Centrifugo 75% CPU and Redis 24% = 15.0 and 4.8 CPU s per 1M");
        text.AppendLine("(8.8 and 1.8 with the 100 µs flush delay); R4 ~650k messages/s delivered by one Redis instance.");
        return text.ToString();
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }

    private sealed record Measurement(double Seconds, long Allocated, double ProcessCpu, double RedisCpu);

    private sealed class CountingHandler : IBrokerEventHandler
    {
        private int _received;
        private int _expected = int.MaxValue;
        private TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Received => Volatile.Read(ref _received);

        public Task Expect(int count)
        {
            _done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _received, 0);
            Volatile.Write(ref _expected, count);
            return _done.Task;
        }

        public void HandlePublication(string channel, Publication publication, StreamPosition position)
        {
            if (Interlocked.Increment(ref _received) == Volatile.Read(ref _expected))
            {
                _done.TrySetResult();
            }
        }

        public void HandleJoin(string channel, ClientInfo info)
        {
        }

        public void HandleLeave(string channel, ClientInfo info)
        {
        }

        public void HandleControl(ReadOnlyMemory<byte> data)
        {
        }
    }
}

internal sealed record AnchorResult(string Command, int Pipeline, double RequestsPerSecond, double RedisCpuSecondsPerMillion);

internal sealed record PublishResultRow(
    int Round, bool History, int PayloadBytes, int Count, double Seconds, double PerSecond, double BytesAllocatedPerPublish,
    double ProcessCpuSecondsPerMillion, double RedisCpuSecondsPerMillion, string RedisCommands, bool Raw = false);

internal sealed record DeliveryResultRow(
    int Round, int PayloadBytes, int Published, int Received, double Seconds, double DeliveredPerSecond, double BytesAllocatedPerMessage,
    double ProcessCpuSecondsPerMillion, double RedisCpuSecondsPerMillion);

internal sealed record RedisReport(
    DateTime Utc, int Cores, int Parallelism, int Count, string Redis, string LoadAverage,
    IReadOnlyList<AnchorResult> Anchors, IReadOnlyList<PublishResultRow> Publishes, IReadOnlyList<DeliveryResultRow> Deliveries);
