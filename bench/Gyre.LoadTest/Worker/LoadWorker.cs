using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gyre.LoadTest.Adapters;
using Gyre.LoadTest.Clients;
using Gyre.LoadTest.Publishing;
using HdrHistogram;

namespace Gyre.LoadTest.Worker;

/// <summary>
/// One load-generator process: holds up to ~9.5k client connections (the 20,000 open-file limit per process
/// is shared with nothing else here), publishes, runs echo traffic, and answers the orchestrator's commands,
/// one JSON object per line on stdin, with one JSON object per line on stdout.
/// </summary>
internal sealed class LoadWorker
{
    /// <summary>Source addresses 127.0.0.2 … 127.0.0.51: 50 × 28k ephemeral ports, far more than one box can hold.</summary>
    private const int SourceAddresses = 50;

    private readonly IPEndPoint _server;
    private readonly ProtocolAdapter _adapter;
    private readonly List<Connection> _connections = [];
    private readonly List<ClientWebSocketConnection> _clientWebSockets = [];
    private readonly bool _useClientWebSocket;
    private readonly IPEndPoint _publishServer;
    private readonly string _publishPath;
    private readonly string _apiKey;
    private PipelinedPublisher? _publisher;
    private Timer? _keepAlive;

    public LoadWorker(WorkerOptions options)
    {
        _server = options.Server;
        _publishServer = options.Server;
        _publishPath = options.PublishPath;
        _apiKey = options.ApiKey;
        var secret = options.HmacSecret;
        _useClientWebSocket = options.Client == "cws";
        _adapter = ProtocolAdapter.Create(options.Protocol, i => Tokens.Hs256(secret, "u" + i));
    }

    public async Task<int> RunAsync()
    {
        if (_adapter.KeepAliveInterval > TimeSpan.Zero)
        {
            _keepAlive = new Timer(_ => KeepAlive(), null, _adapter.KeepAliveInterval, _adapter.KeepAliveInterval);
        }

        Reply(new JsonObject { ["ready"] = true });
        string? line;
        while ((line = await Console.In.ReadLineAsync().ConfigureAwait(false)) is not null)
        {
            if (line.Length == 0)
            {
                continue;
            }

            var command = JsonNode.Parse(line)!.AsObject();
            var name = (string)command["cmd"]!;
            try
            {
                var result = name switch
                {
                    "connect" => await ConnectAsync(command).ConfigureAwait(false),
                    "reset" => Reset(),
                    "publish" => await PublishAsync(command).ConfigureAwait(false),
                    "collect" => await CollectAsync(command).ConfigureAwait(false),
                    "echo" => await EchoAsync(command).ConfigureAwait(false),
                    "close" => CloseAll(),
                    _ => new JsonObject { ["error"] = "unknown command " + name },
                };
                Reply(result);
                if (name == "close")
                {
                    return 0;
                }
            }
            catch (Exception e)
            {
                Reply(new JsonObject { ["error"] = e.GetType().Name + ": " + e.Message });
            }
        }

        CloseAll();
        return 0;
    }

    private static void Reply(JsonObject result)
    {
        Console.Out.WriteLine(result.ToJsonString());
        Console.Out.Flush();
    }

    /// <summary>
    /// Opens <c>count</c> connections at most <c>rate</c> per second with at most <c>concurrency</c> handshakes
    /// in flight; reports time to all subscribed and the per-client connect-to-subscribed latency.
    /// </summary>
    private async Task<JsonObject> ConnectAsync(JsonObject command)
    {
        var count = (int)command["count"]!;
        var firstIndex = (int)command["firstIndex"]!;
        var channel = (string)command["channel"]!;
        var personal = (bool?)command["personal"] ?? false;
        var rate = (double?)command["rate"] ?? 0;
        var concurrency = (int?)command["concurrency"] ?? 256;
        var timeout = TimeSpan.FromSeconds((double?)command["timeoutSeconds"] ?? 30);

        var histogram = LatencyRecorder.NewHistogram();
        var gate = new SemaphoreSlim(concurrency);
        var failures = 0;
        var errors = new Dictionary<string, int>();
        var frequency = Stopwatch.Frequency;
        var start = Stopwatch.GetTimestamp();
        var tasks = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            if (rate > 0)
            {
                var due = start + (long)(i * frequency / rate);
                var wait = due - Stopwatch.GetTimestamp();
                if (wait > frequency / 1000)
                {
                    await Task.Delay(TimeSpan.FromTicks(wait * TimeSpan.TicksPerSecond / frequency)).ConfigureAwait(false);
                }
            }

            await gate.WaitAsync().ConfigureAwait(false);
            var index = firstIndex + i;
            if (_useClientWebSocket)
            {
                tasks.Add(OpenClientWebSocketAsync(personal ? channel + index : channel, timeout).ContinueWith(
                    t =>
                    {
                        gate.Release();
                        lock (_connections)
                        {
                            if (t.IsCompletedSuccessfully)
                            {
                                _clientWebSockets.Add(t.Result);
                                _ = t.Result.ReceiveLoopAsync();
                            }
                            else
                            {
                                failures++;
                            }
                        }
                    },
                    TaskScheduler.Default));
                continue;
            }

            tasks.Add(OpenOneAsync(index, personal ? channel + index : channel, timeout).ContinueWith(
                t =>
                {
                    gate.Release();
                    if (t.IsCompletedSuccessfully)
                    {
                        var (connection, began) = t.Result;
                        lock (_connections)
                        {
                            _connections.Add(connection);
                            histogram.RecordValue(Math.Max(1, (Stopwatch.GetTimestamp() - began) * 1_000_000 / frequency));
                        }

                        _ = connection.ReceiveLoopAsync();
                    }
                    else
                    {
                        var key = t.Exception?.InnerException?.Message ?? "cancelled";
                        lock (_connections)
                        {
                            failures++;
                            errors[key] = errors.GetValueOrDefault(key) + 1;
                        }
                    }
                },
                TaskScheduler.Default));
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var errorList = new JsonObject();
        foreach (var (k, v) in errors.OrderByDescending(e => e.Value).Take(5))
        {
            errorList[k] = v;
        }

        return new JsonObject
        {
            ["connected"] = count - failures,
            ["failed"] = failures,
            ["errors"] = errorList,
            ["elapsedMs"] = elapsed.TotalMilliseconds,
            ["latency"] = HistogramJson.Summary(histogram),
            ["histogram"] = HistogramJson.Encode(histogram),
        };
    }

    private async Task<(Connection Connection, long Began)> OpenOneAsync(int index, string channel, TimeSpan timeout)
    {
        var began = Stopwatch.GetTimestamp();
        var connection = new Connection(index, _adapter);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            var source = new IPAddress([127, 0, 0, (byte)(2 + (index % SourceAddresses))]);
            await connection.OpenAsync(_server, source, _adapter.Path, _adapter.Subprotocol, cts.Token).ConfigureAwait(false);
            await _adapter.HandshakeAsync(connection, channel, cts.Token).ConfigureAwait(false);
            return (connection, began);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private async Task<ClientWebSocketConnection> OpenClientWebSocketAsync(string channel, TimeSpan timeout)
    {
        var connection = new ClientWebSocketConnection();
        using var cts = new CancellationTokenSource(timeout);
        await connection.OpenAsync(new Uri($"ws://{_server}{_adapter.Path}"), channel, cts.Token).ConfigureAwait(false);
        return connection;
    }

    private JsonObject Reset()
    {
        LatencyRecorder.Reset();
        lock (_connections)
        {
            foreach (var c in _connections)
            {
                c.Sequence.ResetCounters();
                c.EchoCompleted = 0;
                c.EchoSent = 0;
            }

            foreach (var c in _clientWebSockets)
            {
                c.Sequence.ResetCounters();
            }
        }

        return new JsonObject { ["ok"] = true };
    }

    /// <summary>Runs the open-loop publisher on a dedicated thread (it sleeps between batches).</summary>
    private async Task<JsonObject> PublishAsync(JsonObject command)
    {
        var channel = (string)command["channel"]!;
        var rate = (double)command["rate"]!;
        var count = (long)command["count"]!;
        var payload = (int?)command["payload"] ?? 100;
        _publisher ??= new PipelinedPublisher(_publishServer, _publishPath, _apiKey);
        var publisher = _publisher;
        var done = new TaskCompletionSource<PublishResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.SetResult(publisher.Run(channel, rate, count, payload, CancellationToken.None));
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        { IsBackground = true, Name = "publisher" };
        thread.Start();
        var r = await done.Task.ConfigureAwait(false);
        return new JsonObject
        {
            ["sent"] = r.Sent,
            ["accepted"] = r.Accepted,
            ["errors"] = r.Errors,
            ["maxLagMs"] = r.MaxLagMs,
        };
    }

    /// <summary>
    /// Waits until every open connection has received <c>expected</c> deliveries since the last reset (or
    /// until nothing has arrived for a while), then reports counts and the latency histogram.
    /// </summary>
    private async Task<JsonObject> CollectAsync(JsonObject command)
    {
        var expected = (long?)command["expected"] ?? 0;
        var quietMs = (int?)command["quietMs"] ?? 1000;
        var maxWaitMs = (int?)command["maxWaitMs"] ?? 5000;
        var waitEcho = (bool?)command["waitEcho"] ?? false;
        var sw = Stopwatch.StartNew();
        long last = -1;
        var lastChange = sw.ElapsedMilliseconds;
        while (sw.ElapsedMilliseconds < maxWaitMs)
        {
            var (received, _, _, open, _, echoSent, echoCompleted) = Totals();
            if (expected > 0 && received >= expected * open)
            {
                break;
            }

            if (waitEcho && echoCompleted >= echoSent)
            {
                break;
            }

            received += echoCompleted;

            if (received != last)
            {
                last = received;
                lastChange = sw.ElapsedMilliseconds;
            }
            else if (sw.ElapsedMilliseconds - lastChange > quietMs)
            {
                break;
            }

            await Task.Delay(20).ConfigureAwait(false);
        }

        var t = Totals();
        var histogram = LatencyRecorder.Snapshot();
        long lastReceive = 0;
        lock (_connections)
        {
            foreach (var c in _connections)
            {
                lastReceive = Math.Max(lastReceive, c.LastReceive);
            }
        }

        return new JsonObject
        {
            ["lastReceiveTicks"] = lastReceive,
            ["connections"] = t.Open + t.Closed,
            ["open"] = t.Open,
            ["closed"] = t.Closed,
            ["received"] = t.Received,
            ["duplicates"] = t.Duplicates,
            ["reordered"] = t.Reordered,
            ["echoSent"] = t.EchoSent,
            ["echoCompleted"] = t.EchoCompleted,
            ["latency"] = HistogramJson.Summary(histogram),
            ["histogram"] = HistogramJson.Encode(histogram),
        };
    }

    private (long Received, long Duplicates, long Reordered, long Open, long Closed, long EchoSent, long EchoCompleted) Totals()
    {
        long received = 0, dup = 0, reorder = 0, open = 0, closed = 0, echoSent = 0, echoDone = 0;
        lock (_connections)
        {
            foreach (var c in _connections)
            {
                received += c.Sequence.Received;
                dup += c.Sequence.Duplicates;
                reorder += c.Sequence.Reordered;
                echoSent += c.EchoSent;
                echoDone += c.EchoCompleted;
                if (c.Closed)
                {
                    closed++;
                }
                else
                {
                    open++;
                }
            }

            foreach (var c in _clientWebSockets)
            {
                received += c.Sequence.Received;
                dup += c.Sequence.Duplicates;
                reorder += c.Sequence.Reordered;
                if (c.Closed)
                {
                    closed++;
                }
                else
                {
                    open++;
                }
            }
        }

        return (received, dup, reorder, open, closed, echoSent, echoDone);
    }

    /// <summary>
    /// Open-loop command round trips: command <c>k</c> is due at <c>start + k/rate</c> on connection
    /// <c>k mod N</c>; latency runs from that scheduled time to the answer.
    /// </summary>
    private async Task<JsonObject> EchoAsync(JsonObject command)
    {
        var rate = (double)command["rate"]!;
        var seconds = (double)command["seconds"]!;
        var payloadSize = (int?)command["payload"] ?? 100;
        Connection[] connections;
        lock (_connections)
        {
            connections = [.. _connections.Where(c => !c.Closed)];
        }

        foreach (var c in connections)
        {
            c.EchoSchedule ??= new long[ProtocolAdapter.EchoRing];
        }

        var payload = new byte[payloadSize];
        var prefix = "{\"e\":1,\"p\":\""u8;
        prefix.CopyTo(payload);
        payload.AsSpan(prefix.Length, payloadSize - prefix.Length - 2).Fill((byte)'x');
        payload[^2] = (byte)'"';
        payload[^1] = (byte)'}';

        var total = (long)(rate * seconds);
        var done = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            var frequency = Stopwatch.Frequency;
            var start = Stopwatch.GetTimestamp() + (frequency / 1000);
            var maxLag = 0L;
            long k = 0;
            var ids = new uint[connections.Length];
            while (k < total)
            {
                var now = Stopwatch.GetTimestamp();
                var due = Math.Min(total, (long)((now - start) * rate / frequency) + 1);
                if (now < start || due <= k)
                {
                    Thread.Sleep(1);
                    continue;
                }

                maxLag = Math.Max(maxLag, now - (start + (long)(k * frequency / rate)));
                for (; k < due; k++)
                {
                    var slot = (int)(k % connections.Length);
                    var c = connections[slot];
                    var id = ++ids[slot] + 100;
                    c.EchoSchedule![(int)(id & (ProtocolAdapter.EchoRing - 1))] = start + (long)(k * frequency / rate);
                    c.EchoSent++;
                    c.Adapter.SendEcho(c, id, payload);
                }
            }

            done.SetResult(maxLag * 1000.0 / frequency);
        })
        { IsBackground = true, Name = "echo" };
        thread.Start();
        var lagMs = await done.Task.ConfigureAwait(false);
        return new JsonObject { ["sent"] = total, ["maxLagMs"] = lagMs };
    }

    private void KeepAlive()
    {
        Connection[] snapshot;
        lock (_connections)
        {
            snapshot = [.. _connections];
        }

        foreach (var c in snapshot)
        {
            if (!c.Closed)
            {
                _adapter.KeepAlive(c);
            }
        }
    }

    private JsonObject CloseAll()
    {
        _keepAlive?.Dispose();
        lock (_connections)
        {
            foreach (var c in _connections)
            {
                c.Close();
                c.Dispose();
            }

            _connections.Clear();
            foreach (var c in _clientWebSockets)
            {
                c.Dispose();
            }

            _clientWebSockets.Clear();
        }

        _publisher?.Dispose();
        _publisher = null;
        return new JsonObject { ["ok"] = true };
    }
}

internal sealed record WorkerOptions(IPEndPoint Server, string Protocol, string PublishPath, string ApiKey, string HmacSecret, string Client);

/// <summary>HDR histogram ⇄ JSON: a percentile summary, and the recorded (value, count) pairs for merging across processes.</summary>
internal static class HistogramJson
{
    public static JsonObject Summary(HistogramBase h) => new()
    {
        ["count"] = h.TotalCount,
        ["p50"] = h.TotalCount == 0 ? 0 : h.GetValueAtPercentile(50) / 1000.0,
        ["p90"] = h.TotalCount == 0 ? 0 : h.GetValueAtPercentile(90) / 1000.0,
        ["p99"] = h.TotalCount == 0 ? 0 : h.GetValueAtPercentile(99) / 1000.0,
        ["p999"] = h.TotalCount == 0 ? 0 : h.GetValueAtPercentile(99.9) / 1000.0,
        ["max"] = h.TotalCount == 0 ? 0 : h.GetMaxValue() / 1000.0,
    };

    public static JsonArray Encode(HistogramBase h)
    {
        var array = new JsonArray();
        foreach (var v in h.RecordedValues())
        {
            array.Add(new JsonArray(v.ValueIteratedTo, v.CountAtValueIteratedTo));
        }

        return array;
    }

    public static void AddTo(HistogramBase into, JsonArray? encoded)
    {
        if (encoded is null)
        {
            return;
        }

        foreach (var pair in encoded)
        {
            into.RecordValueWithCount((long)pair![0]!, (long)pair[1]!);
        }
    }

    public static JsonSerializerOptions Options { get; } = new() { WriteIndented = true };
}
