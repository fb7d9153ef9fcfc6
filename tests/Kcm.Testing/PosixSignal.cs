using System.Globalization;
using System.Runtime.InteropServices;

namespace Kcm.Testing;

/// <summary>
/// Sends POSIX signals to processes the tests started. .NET's Process.Kill only sends SIGKILL; servers that save
/// their data on shutdown (Azurite, a draining silo) must get SIGTERM to stop cleanly.
/// </summary>
public static partial class PosixSignal
{
    private const int SigInt = 2;
    private const int SigTerm = 15;

    /// <summary>Asks the process to terminate (SIGTERM); false when it no longer exists.</summary>
    public static bool Terminate(int processId) => Kill(processId, SigTerm) == 0;

    /// <summary>Interrupts the process as Ctrl+C in its terminal does (SIGINT); false when it no longer exists.</summary>
    public static bool Interrupt(int processId) => Kill(processId, SigInt) == 0;

    /// <summary>
    /// Whether this process ignores SIGINT, and so every process it starts: a shell without job control starts its
    /// background commands (`cmd &amp;`, `nohup cmd &amp;`) so, and .NET then never sees the signal, so a test of Ctrl+C
    /// cannot run there.
    /// </summary>
    public static bool InterruptIgnoredHere
    {
        get
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
            return line is not null && (ulong.Parse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << (SigInt - 1))) != 0;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
