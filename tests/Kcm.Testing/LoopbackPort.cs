using System.Net;
using System.Net.Sockets;

namespace Kcm.Testing;

/// <summary>Free TCP ports on the loopback interface for servers the tests start.</summary>
public static class LoopbackPort
{
    /// <summary>A port the system just handed out and released; free unless another process takes it first.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
