using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace Gyre.LoadTest.Orchestration;

/// <summary>
/// Every process the orchestrator starts is registered here and stopped by PID at the end, on Ctrl+C, on
/// SIGTERM and on failure. The PIDs are also written to a file that <c>bench/run</c> reads in its exit trap,
/// in case this process itself is killed.
/// </summary>
internal static class Processes
{
    private static readonly Lock Sync = new();
    private static readonly List<Process> Started = [];
    private static string? _pidFile;

    public static void Init(string? pidFile)
    {
        _pidFile = pidFile;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll();
        Console.CancelKeyPress += (_, e) =>
        {
            StopAll();
            e.Cancel = false;
        };
    }

    /// <summary>
    /// Niceness for everything the benchmark starts (<c>GYRE_BENCH_NICE</c>, default -10; 0 turns it off). On a
    /// machine shared with builds a server at nice 0 got as little as 25% of its pinned core; at -10 the CFS
    /// weight is ~9× a default process, so the measured process gets the core. Same for every peer.
    /// </summary>
    public static int Nice { get; } = int.TryParse(Environment.GetEnvironmentVariable("GYRE_BENCH_NICE"), CultureInfo.InvariantCulture, out var n) ? n : -10;

    /// <summary><c>nice -n</c> is relative: only the part of <see cref="Nice"/> this process does not already have (bench/run starts it niced).</summary>
    private static int NiceIncrement { get; } = Nice - CurrentNice();

    private static int CurrentNice()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Starts <paramref name="file"/> pinned to <paramref name="cpu"/> with <c>taskset</c>, under <c>nice</c>
    /// (both exec, so the PID is the program's own).
    /// </summary>
    public static Process Start(int cpu, string file, IEnumerable<string> args, string logPath, IDictionary<string, string>? env = null, bool redirectIo = false)
    {
        var info = new ProcessStartInfo(NiceIncrement != 0 ? "nice" : "taskset")
        {
            UseShellExecute = false,
            RedirectStandardInput = redirectIo,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (NiceIncrement != 0)
        {
            info.ArgumentList.Add("-n");
            info.ArgumentList.Add(NiceIncrement.ToString(CultureInfo.InvariantCulture));
            info.ArgumentList.Add("taskset");
        }

        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(cpu.ToString(CultureInfo.InvariantCulture));
        info.ArgumentList.Add(file);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                info.Environment[k] = v;
            }
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + file);
        lock (Sync)
        {
            Started.Add(process);
            if (_pidFile is not null)
            {
                File.AppendAllText(_pidFile, process.Id.ToString(CultureInfo.InvariantCulture) + "\n");
            }
        }

        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.WriteLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        if (!redirectIo)
        {
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (log)
                    {
                        log.WriteLine(e.Data);
                    }
                }
            };
            process.BeginOutputReadLine();
        }

        return process;
    }

    /// <summary>Stops one process: SIGKILL by PID, then reaps it.</summary>
    public static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: false);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        lock (Sync)
        {
            Started.Remove(process);
        }
    }

    public static void StopAll()
    {
        Process[] all;
        lock (Sync)
        {
            all = [.. Started];
        }

        foreach (var p in all)
        {
            Stop(p);
        }
    }

    public static async Task WaitForPortAsync(int port, Process process, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"server exited with {process.ExitCode} before listening on {port}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port).ConfigureAwait(false);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }

        throw new TimeoutException($"nothing listening on {port} after {timeout.TotalSeconds} s");
    }
}

/// <summary>Readings from procfs: per-process CPU and RSS, per-core busy time, kernel slab.</summary>
internal static class ProcFs
{
    /// <summary>USER_HZ; 100 on every Linux we run on.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>utime + stime of a process (threads that already exited included), in ms; 10 ms resolution.</summary>
    public static double CpuMs(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // Fields after the command: state is index 0, so utime (14th overall) is index 11.
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return ticks * 1000 / TicksPerSecond;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    public static long RssBytes(int pid) => StatusField(pid, "VmRSS:");

    public static long StatusField(int pid, string name)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(name, StringComparison.Ordinal))
                {
                    return long.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return -1;
    }

    public static long MemInfo(string name)
    {
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith(name + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(name.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return -1;
    }

    /// <summary>Busy and total jiffies of each CPU, from /proc/stat.</summary>
    public static (long Busy, long Total)[] Cores()
    {
        var result = new List<(long, long)>();
        foreach (var line in File.ReadLines("/proc/stat"))
        {
            if (!line.StartsWith("cpu", StringComparison.Ordinal) || line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                continue;
            }

            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            var total = f.Take(8).Sum();
            var idle = f[3] + f[4];
            result.Add((total - idle, total));
        }

        return [.. result];
    }
}

/// <summary>A window over which server, generator and core CPU are measured.</summary>
internal sealed class CpuWindow
{
    private readonly int _server;
    private readonly int[] _generators;
    private readonly double _serverStart;
    private readonly double[] _generatorStart;
    private readonly (long Busy, long Total)[] _coresStart;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public CpuWindow(int server, IEnumerable<int> generators)
    {
        _server = server;
        _generators = [.. generators];
        _serverStart = ProcFs.CpuMs(server);
        _generatorStart = [.. _generators.Select(ProcFs.CpuMs)];
        _coresStart = ProcFs.Cores();
    }

    /// <summary>Server CPU ms, generator busy fraction (of one core), wall ms, and per-core busy fractions in the window.</summary>
    public JsonObject Finish()
    {
        var wall = _clock.Elapsed.TotalMilliseconds;
        var server = ProcFs.CpuMs(_server) - _serverStart;
        var generator = _generators.Select((g, i) => ProcFs.CpuMs(g) - _generatorStart[i]).Sum();
        var cores = ProcFs.Cores();
        var busy = new JsonArray();
        for (var i = 0; i < Math.Min(cores.Length, _coresStart.Length); i++)
        {
            var total = cores[i].Total - _coresStart[i].Total;
            busy.Add(total == 0 ? 0 : Math.Round((double)(cores[i].Busy - _coresStart[i].Busy) / total, 3));
        }

        return new JsonObject
        {
            ["wallMs"] = Math.Round(wall, 1),
            ["serverCpuMs"] = server,
            ["generatorCpuMs"] = generator,
            ["generatorBusy"] = Math.Round(generator / wall, 3),
            ["serverBusy"] = Math.Round(server / wall, 3),
            ["coreBusy"] = busy,
            // Work on the server's core that was not the server: other processes on a shared machine (noise).
            ["serverCoreForeign"] = busy.Count > 1 ? Math.Round(Math.Max(0, (double)busy[1]! - (server / wall)), 3) : null,
        };
    }
}
