using System.Globalization;
using System.Net;

namespace Kcm.OrleansCluster.Tests.Support;

/// <summary>
/// A TCP socket in the LISTEN state held by a process, found the way <c>ss -ltnp</c> finds it: the process's socket
/// inodes from <c>/proc/&lt;pid&gt;/fd</c>, matched against <c>/proc/net/tcp</c> and <c>/proc/net/tcp6</c>.
/// </summary>
/// <param name="Pid">The process holding it.</param>
/// <param name="Address">The local address it is bound to.</param>
/// <param name="Port">The local port.</param>
public sealed record ListeningSocket(int Pid, IPAddress Address, int Port)
{
    private const string Listen = "0A";

    /// <summary>Every listening TCP socket (IPv4 and IPv6) of <paramref name="pids"/>.</summary>
    public static IReadOnlyList<ListeningSocket> Of(IEnumerable<int> pids)
    {
        var listening = new Dictionary<string, (IPAddress Address, int Port)>(StringComparer.Ordinal);
        foreach (var table in (string[])["/proc/net/tcp", "/proc/net/tcp6"])
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9 && fields[3] == Listen)
                {
                    var colon = fields[1].IndexOf(':', StringComparison.Ordinal);
                    listening[fields[9]] = (ParseAddress(fields[1][..colon]), int.Parse(fields[1][(colon + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                }
            }
        }

        var sockets = new List<ListeningSocket>();
        foreach (var pid in pids)
        {
            foreach (var descriptor in Directory.EnumerateFiles($"/proc/{pid}/fd"))
            {
                if (LinkTarget(descriptor) is { } target && target.StartsWith("socket:[", StringComparison.Ordinal)
                    && listening.TryGetValue(target["socket:[".Length..^1], out var bound))
                {
                    sockets.Add(new ListeningSocket(pid, bound.Address, bound.Port));
                }
            }
        }

        return sockets;
    }

    /// <summary>Where a descriptor points; null when it was closed while the folder was read.</summary>
    private static string? LinkTarget(string descriptor)
    {
        try
        {
            return new FileInfo(descriptor).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The kernel prints an address as 32-bit words in host (little-endian) byte order, in hex.</summary>
    private static IPAddress ParseAddress(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        for (var word = 0; word < bytes.Length; word += 4)
        {
            Array.Reverse(bytes, word, 4);
        }

        return new IPAddress(bytes);
    }

    public override string ToString() => $"pid {Pid} listens on {Address}:{Port}";
}
