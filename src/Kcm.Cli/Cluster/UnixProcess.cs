using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Kcm.Cli.Cluster;

/// <summary>Processes by pid on Linux: start detached, check identity through /proc, signal and wait.</summary>
internal static class UnixProcess
{
    private const int SignalKill = 9;
    private const int SignalTerminate = 15;

    /// <summary>
    /// Starts <paramref name="arguments"/> in a new session (so Ctrl+C on the terminal that ran <c>cluster up</c> does
    /// not reach it) with stdout and stderr appended to <paramref name="log"/>, and returns its pid. setsid and the shell
    /// exec in place, so the pid is the program's own. Its umask is 077: whatever it writes (logs, Azurite's data, the
    /// model store) only this user may read. Secrets belong in <paramref name="environment"/>, never in
    /// <paramref name="arguments"/>: every user can read a process's arguments (<c>ps</c>), only its owner its environment.
    /// </summary>
    public static int StartDetached(IReadOnlyList<string> arguments, string log, IReadOnlyDictionary<string, string> environment, string workingDirectory)
    {
        var start = new ProcessStartInfo("/usr/bin/setsid") { UseShellExecute = false, WorkingDirectory = workingDirectory };
        start.ArgumentList.Add("/bin/sh");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("umask 077; exec \"$@\" >>\"$KCM_CLUSTER_LOG\" 2>&1 </dev/null");
        start.ArgumentList.Add("sh");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["KCM_CLUSTER_LOG"] = log;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new ClusterException($"Could not start {arguments[0]}.");
        return process.Id;
    }

    /// <summary>True when <paramref name="pid"/> runs and its command line contains <paramref name="marker"/>.</summary>
    public static bool CommandLineContains(int pid, string marker)
    {
        try
        {
            // /proc/<pid>/cmdline separates arguments with NUL.
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Contains(marker, StringComparison.Ordinal)
                && !IsZombie(pid);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static bool Exists(int pid) => Directory.Exists("/proc/" + pid) && !IsZombie(pid);

    /// <summary>SIGTERM, then SIGKILL when it has not exited after <paramref name="grace"/>. Returns true when it was killed.</summary>
    public static async Task<bool> StopAsync(int pid, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (!Exists(pid))
        {
            return false;
        }

        _ = kill(pid, SignalTerminate);
        if (await WaitForExitAsync(pid, grace, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        _ = kill(pid, SignalKill);
        await WaitForExitAsync(pid, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>SIGKILL at once (tests use it to kill a silo the way a crash does).</summary>
    public static void Kill(int pid) => _ = kill(pid, SignalKill);

    public static async Task<bool> WaitForExitAsync(int pid, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        while (Exists(pid))
        {
            if (stopwatch.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>A zombie (exited, not yet reaped by its parent) no longer runs.</summary>
    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var end = stat.LastIndexOf(')');
            return end > 0 && end + 2 < stat.Length && stat[end + 2] == 'Z';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    // DllImport rather than LibraryImport: the generated form needs unsafe code enabled for the whole project.
    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int kill(int pid, int signal);
}
