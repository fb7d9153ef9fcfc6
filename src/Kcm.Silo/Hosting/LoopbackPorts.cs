using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Kcm.Silo.Hosting;

/// <summary>
/// TCP ports on 127.0.0.1 for servers started later (a silo's Orleans ports, a local cluster's processes). They are
/// picked below the kernel's ephemeral range: a port the kernel hands out and we release can be taken, before our server
/// binds it, by any outgoing connection on the machine (its source port comes from that range), which is what made
/// silos fail with "address already in use" under a busy test run.
/// </summary>
public static class LoopbackPorts
{
    /// <summary>The lowest port picked: above the ports services commonly listen on.</summary>
    private const int Lowest = 15000;

    private static readonly ConcurrentDictionary<int, bool> HandedOut = new();

    /// <summary>A port free now, outside the ephemeral range, and not handed out before by this process.</summary>
    public static int Free()
    {
        var ephemeralLow = EphemeralRangeLow();
        for (var attempt = 0; attempt < 200 && ephemeralLow - Lowest > 1000; attempt++)
        {
            var port = Random.Shared.Next(Lowest, ephemeralLow);
            if (IsFree(port) && HandedOut.TryAdd(port, true))
            {
                return port;
            }
        }

        // A machine whose ephemeral range leaves no room below it: the kernel's choice (the race above stays possible).
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary><paramref name="port"/>, or <see cref="Free"/> when it is 0.</summary>
    public static int Resolve(int port) => port != 0 ? port : Free();

    /// <summary>Whether <paramref name="port"/> can be bound on 127.0.0.1 now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port of Linux's ephemeral range (32768 where it cannot be read).</summary>
    private static int EphemeralRangeLow()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32768;
        }
    }
}
