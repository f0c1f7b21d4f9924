using System.Diagnostics;
using System.Globalization;

namespace Gyre.LoadTest.Orchestration;

/// <summary>
/// Syscall counting with <c>perf stat -e raw_syscalls:sys_enter -p PID</c> (tracepoints work on this VM;
/// hardware counters do not). perf runs on the generator's core for the length of a <c>sleep</c>.
/// </summary>
internal static class Perf
{
    private static bool? _available;

    public static string? UnavailableReason { get; private set; }

    public static bool Available
    {
        get
        {
            if (_available is null)
            {
                try
                {
                    var p = Process.Start(new ProcessStartInfo("perf", "stat -e raw_syscalls:sys_enter -x , -- true")
                    {
                        RedirectStandardError = true,
                        RedirectStandardOutput = true,
                    })!;
                    var err = p.StandardError.ReadToEnd();
                    p.WaitForExit();
                    _available = p.ExitCode == 0 && err.Contains("raw_syscalls", StringComparison.Ordinal) && !err.Contains("<not", StringComparison.Ordinal);
                    UnavailableReason = _available.Value ? null : "perf stat failed: " + err.Trim().Split('\n')[0];
                }
                catch (System.ComponentModel.Win32Exception e)
                {
                    _available = false;
                    UnavailableReason = "perf not installed (" + e.Message + ")";
                }
            }

            return _available.Value;
        }
    }

    /// <summary>Starts counting syscalls of <paramref name="pid"/> for <paramref name="seconds"/>; the task yields the count (or null).</summary>
    public static async Task<long?> CountSyscallsAsync(int pid, double seconds, string workDir)
    {
        if (!Available)
        {
            return null;
        }

        var output = Path.Combine(workDir, $"perf-{pid}-{Environment.TickCount64}.txt");
        var process = Processes.Start(0, "perf", ["stat", "-e", "raw_syscalls:sys_enter", "-x", ",", "-p", pid.ToString(CultureInfo.InvariantCulture), "-o", output, "--", "sleep", seconds.ToString("0.###", CultureInfo.InvariantCulture)], Path.Combine(workDir, "perf.log"));
        await process.WaitForExitAsync().ConfigureAwait(false);
        Processes.Stop(process);
        if (!File.Exists(output))
        {
            return null;
        }

        foreach (var line in await File.ReadAllLinesAsync(output).ConfigureAwait(false))
        {
            var parts = line.Split(',');
            if (parts.Length > 2 && parts[2].Contains("raw_syscalls", StringComparison.Ordinal) && long.TryParse(parts[0], CultureInfo.InvariantCulture, out var n))
            {
                return n;
            }
        }

        return null;
    }
}
