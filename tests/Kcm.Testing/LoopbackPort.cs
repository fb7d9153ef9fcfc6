using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Kcm.Testing;

/// <summary>
/// Free TCP ports on the loopback interface for servers the tests start. Picked below the kernel's ephemeral range, the
/// rule of Kcm.Silo.Hosting.LoopbackPorts (test support references no product project): a port the kernel hands out and
/// the test releases can be taken by any outgoing connection before the server binds it, which failed silo starts in CI.
/// </summary>
public static class LoopbackPort
{
    private static readonly ConcurrentDictionary<int, bool> HandedOut = new();

    /// <summary>A port free now, outside the ephemeral range, and not handed out before by this process.</summary>
    public static int Free()
    {
        var ephemeralLow = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0], CultureInfo.InvariantCulture);
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(15000, ephemeralLow);
            if (HandedOut.TryAdd(port, true) && CanBind(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No free loopback port between 15000 and {ephemeralLow} after 200 tries.");
    }

    private static bool CanBind(int port)
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
}
