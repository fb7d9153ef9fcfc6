using System.Net;
using System.Net.Sockets;

namespace Kcm.Silo.Hosting;

/// <summary>Resolves a configured port of 0 to a loopback port the system just handed out (Orleans needs real ports up front).</summary>
internal static class FreePorts
{
    /// <summary><paramref name="port"/>, or a free loopback port when it is 0.</summary>
    public static int Resolve(int port)
    {
        if (port != 0)
        {
            return port;
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
