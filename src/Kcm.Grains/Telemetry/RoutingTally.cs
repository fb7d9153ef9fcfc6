namespace Kcm.Grains.Telemetry;

/// <summary>
/// This silo's routing counts for the model-info endpoint and <c>kcm_large_share</c>: samples answered by each route
/// since start, and the large model's share over a sliding window of whole seconds (a ring of per-second buckets,
/// each stamped with the second it counts, so recording is two interlocked adds).
/// </summary>
public sealed class RoutingTally
{
    private readonly TimeProvider _time;
    private readonly long[] _stamps;
    private readonly long[] _small;
    private readonly long[] _large;
    private readonly Lock _rollover = new();
    private long _requestsSmall;
    private long _requestsLarge;

    public RoutingTally(int windowSeconds, TimeProvider time, KcmInstruments instruments)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSeconds, 1);
        WindowSeconds = windowSeconds;
        _time = time;
        _stamps = new long[windowSeconds];
        _small = new long[windowSeconds];
        _large = new long[windowSeconds];
        Array.Fill(_stamps, -1);
        instruments.AddGauge("kcm_large_share", "1", $"Share of samples answered by the large model over the last {windowSeconds} s.", LargeShare);
    }

    /// <summary>The window's length in seconds.</summary>
    public int WindowSeconds { get; }

    /// <summary>Samples answered by the small model on this silo since start.</summary>
    public long RequestsSmall => Interlocked.Read(ref _requestsSmall);

    /// <summary>Samples answered by the large model on this silo since start.</summary>
    public long RequestsLarge => Interlocked.Read(ref _requestsLarge);

    /// <summary>Counts samples answered by each route now.</summary>
    public void Record(int small, int large)
    {
        Interlocked.Add(ref _requestsSmall, small);
        Interlocked.Add(ref _requestsLarge, large);
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

    private long CurrentSecond() => _time.GetTimestamp() / _time.TimestampFrequency;
}
