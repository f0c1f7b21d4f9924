using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Gyre.Server.Tests.Configuration;

namespace Gyre.Server.Tests.Cli;

/// <summary>
/// A server that cannot start (broker unreachable, port taken) says why in one line and exits with 1, without a stack
/// trace: these run the real executable, because the console output is the contract.
/// </summary>
public class ServeFailureTests
{
    [Theory]
    [InlineData("nats", """{"broker":{"enabled":true,"type":"nats","nats":{"url":"nats://127.0.0.1:{port}","dial_timeout":"500ms"}}}""")]
    [InlineData("redis", """{"engine":{"type":"redis","redis":{"address":"redis://127.0.0.1:{port}","connect_timeout":"500ms"}}}""")]
    public async Task UnreachableEngineExitsWithOneLine(string engine, string config)
    {
        using var dir = new TempDirectory();
        var port = ClosedPort();
        var path = dir.Write("config.json", config.Replace("{port}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));

        var (exitCode, output) = await RunGyreAsync("-c", path, "-p", "0");

        Assert.Equal(1, exitCode);
        Assert.Contains($"cannot start the {engine} ", output, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.True(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length <= 3, output);
    }

    [Fact]
    public async Task PortInUseExitsWithOneLine()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (exitCode, output) = await RunGyreAsync("-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(1, exitCode);
        Assert.Contains("cannot listen: ", output, StringComparison.Ordinal);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    /// <summary>A loopback port that nothing listens on: bound, read, released.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs the gyre executable built next to the tests and returns its exit code and everything it printed.</summary>
    private static async Task<(int ExitCode, string Output)> RunGyreAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "gyre.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"gyre did not exit within 60 s:\n{await stdout}{await stderr}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
