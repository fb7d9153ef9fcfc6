using System.Globalization;

namespace Kcm.Cli.Cluster;

/// <summary>
/// Which process listens on a TCP port, read from <c>/proc/net/tcp</c>, <c>/proc/net/tcp6</c> (the socket's inode) and
/// <c>/proc/&lt;pid&gt;/fd</c> (who holds it), so a port clash can say what clashes. Another user's processes cannot be
/// looked into: such a holder is named as unknown.
/// </summary>
internal static class PortHolder
{
    private const string Listen = "0A";

    /// <summary>e.g. <c>pid 4711 (node .../azurite.js --location /tmp/a/azurite ...)</c>, or a sentence saying the holder is unknown.</summary>
    public static string Describe(int port)
    {
        var inodes = ListeningInodes(port);
        if (inodes.Count == 0)
        {
            return "a process this user cannot see";
        }

        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                foreach (var descriptor in Directory.EnumerateFiles(Path.Combine(process, "fd")))
                {
                    if (LinkTarget(descriptor) is { } target && target.StartsWith("socket:[", StringComparison.Ordinal)
                        && inodes.Contains(target["socket:[".Length..^1]))
                    {
                        return $"pid {pid} ({CommandLine(pid)})";
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another user's process, or one that has just exited.
            }
        }

        return "a process of another user";
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

    private static HashSet<string> ListeningInodes(int port)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        var hexPort = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (var table in (string[])["/proc/net/tcp", "/proc/net/tcp6"])
        {
            try
            {
                foreach (var line in File.ReadLines(table).Skip(1))
                {
                    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
                    var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length > 9 && fields[3] == Listen && fields[1].EndsWith(hexPort, StringComparison.Ordinal))
                    {
                        inodes.Add(fields[9]);
                    }
                }
            }
            catch (IOException)
            {
                // No IPv6 on this machine.
            }
        }

        return inodes;
    }

    private static string CommandLine(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
            return text.Length > 160 ? text[..160] + " ..." : text;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "command line unreadable";
        }
    }
}
