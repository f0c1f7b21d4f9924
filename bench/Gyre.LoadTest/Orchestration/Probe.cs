using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Gyre.LoadTest.Orchestration;

/// <summary>
/// A half-second look at the machine, printed next to every result so a slower VM can be told from a slower
/// build (BENCHMARKS.md B5): syscall entry cost and the CPU cost of a small loopback send, the two quantities
/// A6 measured with its C probe.
/// </summary>
internal static partial class Probe
{
    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetParentPid();

    public static JsonObject Run()
    {
        const int Calls = 200_000;
        var sw = Stopwatch.StartNew();
        var parent = 0;
        for (var i = 0; i < Calls; i++)
        {
            parent |= GetParentPid();
        }

        var syscallNs = sw.Elapsed.TotalNanoseconds / Calls;

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.Connect(listener.LocalEndPoint!);
        using var server = listener.Accept();
        var payload = new byte[100];
        var sink = new byte[1 << 20];
        const int Sends = 20_000;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        sw.Restart();
        for (var i = 0; i < Sends; i++)
        {
            client.Send(payload);
            if ((i & 255) == 255)
            {
                while (server.Available > 0)
                {
                    server.Receive(sink);
                }
            }
        }

        var sendUs = sw.Elapsed.TotalMicroseconds / Sends;
        var cpuUs = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds / Sends;
        return new JsonObject
        {
            ["syscallNs"] = Math.Round(syscallNs, 1) + (parent == 0 ? 0 : 0),
            ["loopbackSend100BWallUs"] = Math.Round(sendUs, 2),
            ["loopbackSend100BCpuUs"] = Math.Round(cpuUs, 2),
            ["a6Reference"] = "A6 (2026-11-27): syscall ~170-200 ns; small loopback send() ~5 us CPU incl. receive path",
        };
    }
}
