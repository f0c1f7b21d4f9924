using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Gyre.Testing;

namespace Gyre.Specification.Tests.Servers;

/// <summary>
/// A real server process (redis-server, nats-server) started for integration tests: found on PATH or in the sbin
/// directories Debian installs to, considered ready when its log prints a readiness line (no polling, no sleeps),
/// and stopped by its PID on dispose together with its temporary directory.
/// </summary>
/// <remarks>
/// A missing binary fails the fixture, locally as on CI (<c>CI=true</c>), with the package to install: a suite that
/// silently skips its backend would report green without having tested it.
/// </remarks>
public sealed class ServerProcess : IAsyncDisposable
{
    private static readonly string[] ExtraDirectories = ["/usr/sbin", "/usr/local/sbin", "/usr/local/bin", "/usr/bin", "/sbin"];

    private readonly Process _process;
    private readonly OutputLog _log;

    private ServerProcess(Process process, OutputLog log, Match ready, DirectoryInfo directory)
    {
        _process = process;
        _log = log;
        Ready = ready;
        Directory = directory;
        Pid = process.Id;
    }

    /// <summary>The process id, for stopping it and for diagnostics.</summary>
    public int Pid { get; }

    /// <summary>The readiness line's match (its groups may carry the port).</summary>
    public Match Ready { get; }

    /// <summary>The server's private temporary directory.</summary>
    public DirectoryInfo Directory { get; }

    /// <summary>Everything the server printed so far.</summary>
    public string Log => _log.Text;

    /// <summary>
    /// Starts <paramref name="executable"/> in a new temporary directory and waits until a line of its output
    /// matches <paramref name="readyLine"/>.
    /// </summary>
    /// <param name="executable">Binary name or path.</param>
    /// <param name="package">Debian package that provides it, named in the error when it is missing.</param>
    /// <param name="arguments">Command line; <c>{dir}</c> is replaced by the temporary directory.</param>
    /// <param name="readyLine">Pattern of the line that says the server accepts connections.</param>
    /// <param name="prepare">Writes files the server needs (a config file) into its directory before it starts.</param>
    public static async Task<ServerProcess> StartAsync(string executable, string package, IEnumerable<string> arguments, Regex readyLine, Action<DirectoryInfo>? prepare = null)
    {
        var path = Locate(executable) ?? throw new InvalidOperationException(
            $"'{executable}' was not found on PATH or in /usr/sbin. Install the Debian package: apt-get install -y {package} (test.sh installs it). " +
            "Integration suites fail instead of skipping so that a missing backend is never reported as tested.");
        var directory = System.IO.Directory.CreateTempSubdirectory($"gyre-{Path.GetFileName(executable)}-");
        prepare?.Invoke(directory);
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory.FullName,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument.Replace("{dir}", directory.FullName, StringComparison.Ordinal));
        }

        var log = new OutputLog();
        var ready = log.WaitFor(readyLine);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => log.Add(e.Data);
        process.ErrorDataReceived += (_, e) => log.Add(e.Data);
        process.Exited += (_, _) => log.Fail(new InvalidOperationException($"{executable} exited with code {process.ExitCode} before it was ready:\n{log.Text}"));

        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var match = await ready.WaitAsync(TestTimeouts.Default);
            return new ServerProcess(process, log, match, directory);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            Stop(process);
            process.Dispose();
            directory.Delete(recursive: true);
            if (e is TimeoutException)
            {
                throw new TimeoutException($"{executable} printed no readiness line within {TestTimeouts.Default.TotalSeconds} s:\n{log.Text}", e);
            }

            throw;
        }
    }

    /// <summary>
    /// Waits until the server prints a line matching <paramref name="line"/> (already printed lines count), for
    /// state changes a server only announces in its log, such as Redis Cluster reaching <c>cluster_state:ok</c>.
    /// </summary>
    public async Task<Match> WaitForLineAsync(Regex line)
    {
        try
        {
            return await _log.WaitFor(line).WaitAsync(TestTimeouts.Default);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"Server {Pid} printed no line matching '{line}' within {TestTimeouts.Default.TotalSeconds} s:\n{Log}", e);
        }
    }

    /// <summary>
    /// A loopback port that was free a moment ago; callers retry when the server reports it taken. It is drawn from
    /// 20000–32767, below Linux's ephemeral range (32768–60999), so the outgoing connections that tests open all the
    /// time cannot take it between the probe and the server's bind, as a port from <c>bind(0)</c> could.
    /// </summary>
    public static int FreeLoopbackPort()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(20_000, 32_768);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: draw another.
            }
        }

        throw new InvalidOperationException("No free loopback port between 20000 and 32767 after 100 draws.");
    }

    /// <summary>Kills the process by its PID and removes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        Stop(_process);
        using var timeout = new CancellationTokenSource(TestTimeouts.Default);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // The kill was sent; the OS reaps the process. Nothing else to do in a test run.
        }

        _process.Dispose();
        try
        {
            Directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A server may still be flushing into its directory; the OS temp cleaner takes it later.
        }
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: false);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static string? Locate(string executable)
    {
        if (Path.IsPathRooted(executable))
        {
            return File.Exists(executable) ? executable : null;
        }

        var directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Concat(ExtraDirectories);
        return directories.Select(d => Path.Combine(d, executable)).FirstOrDefault(File.Exists);
    }

    /// <summary>Lines a process printed, and waiters for lines to come.</summary>
    private sealed class OutputLog
    {
        private readonly Lock _lock = new();
        private readonly List<string> _lines = [];
        private readonly List<(Regex Pattern, TaskCompletionSource<Match> Waiter)> _waiters = [];

        public string Text
        {
            get
            {
                lock (_lock)
                {
                    return string.Join('\n', _lines);
                }
            }
        }

        public void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_lock)
            {
                _lines.Add(line);
                _waiters.RemoveAll(w => w.Pattern.Match(line) is { Success: true } match && w.Waiter.TrySetResult(match));
            }
        }

        public Task<Match> WaitFor(Regex pattern)
        {
            var waiter = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_lock)
            {
                foreach (var line in _lines)
                {
                    if (pattern.Match(line) is { Success: true } match)
                    {
                        waiter.SetResult(match);
                        return waiter.Task;
                    }
                }

                _waiters.Add((pattern, waiter));
            }

            return waiter.Task;
        }

        public void Fail(Exception error)
        {
            lock (_lock)
            {
                foreach (var (_, waiter) in _waiters)
                {
                    waiter.TrySetException(error);
                }

                _waiters.Clear();
            }
        }
    }
}
