using System.Diagnostics;

namespace Kcm.Grains.Telemetry;

/// <summary>
/// Small and large routing counts over a sliding window of whole seconds: a ring of per-second buckets, each
/// stamped with the second it counts, so recording is two Interlocked operations and reading sums the live buckets.
/// </summary>
public sealed class RoutingWindow
{
    private readonly long[] _stamps;
    private readonly long[] _small;
    private readonly long[] _large;
    private readonly Lock _rollover = new();

    public RoutingWindow(int windowSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSeconds, 1);
        WindowSeconds = windowSeconds;
        _stamps = new long[windowSeconds];
        _small = new long[windowSeconds];
        _large = new long[windowSeconds];
        Array.Fill(_stamps, -1);
    }

    public int WindowSeconds { get; }

    /// <summary>Counts samples answered by each route now.</summary>
    public void Record(int small, int large)
    {
        var second = CurrentSecond();
        var slot = (int)(second % WindowSeconds);
        if (Volatile.Read(ref _stamps[slot]) != second)
        {
            lock (_rollover)
            {
                if (_stamps[slot] != second)
                {
                    // The slot last counted a second that has left the window: reset it before reuse.
                    Volatile.Write(ref _small[slot], 0);
                    Volatile.Write(ref _large[slot], 0);
                    Volatile.Write(ref _stamps[slot], second);
                }
            }
        }

        Interlocked.Add(ref _small[slot], small);
        Interlocked.Add(ref _large[slot], large);
    }

    /// <summary>The fraction of samples sent to the large model within the window; 0 when there were none.</summary>
    public double LargeShare()
    {
        var now = CurrentSecond();
        long small = 0;
        long large = 0;
        for (var i = 0; i < WindowSeconds; i++)
        {
            var stamp = Volatile.Read(ref _stamps[i]);
            if (stamp >= 0 && now - stamp < WindowSeconds)
            {
                small += Volatile.Read(ref _small[i]);
                large += Volatile.Read(ref _large[i]);
            }
        }

        var total = small + large;
        return total == 0 ? 0 : (double)large / total;
    }

    private static long CurrentSecond() => Stopwatch.GetTimestamp() / Stopwatch.Frequency;
}
