using System.Globalization;

namespace Kcm.OrleansCluster.Tests.Support;

/// <summary>The calls of one load run and the figures the fault tests report: failures, gaps, tail latency, recovery.</summary>
public sealed class LoadRecording(IReadOnlyList<CallRecord> calls, double seconds)
{
    public IReadOnlyList<CallRecord> Calls { get; } = calls;

    /// <summary>How long the run lasted, in seconds.</summary>
    public double Seconds { get; } = seconds;

    public IReadOnlyList<CallRecord> Failures => [.. Calls.Where(c => c.Failure is not null)];

    /// <summary>Calls answered successfully in each whole second of the run.</summary>
    public int[] CompletedPerSecond()
    {
        var buckets = new int[(int)Math.Ceiling(Seconds) + 1];
        foreach (var call in Calls.Where(c => c.Failure is null))
        {
            buckets[Math.Min(buckets.Length - 1, (int)call.End)]++;
        }

        return buckets;
    }

    /// <summary>The median of the per-second completions in [<paramref name="from"/>, <paramref name="to"/>) seconds.</summary>
    public double MedianPerSecond(int from, int to)
    {
        var window = CompletedPerSecond()[from..to].Order().ToArray();
        return window.Length == 0 ? 0 : window[window.Length / 2];
    }

    /// <summary>
    /// Seconds after <paramref name="at"/> until the first whole second whose completions reach <paramref name="share"/>
    /// of <paramref name="baseline"/> per second, or null when none does.
    /// </summary>
    public double? RecoveredAfter(double at, double baseline, double share)
    {
        var perSecond = CompletedPerSecond();
        for (var second = (int)Math.Floor(at) + 1; second < perSecond.Length - 1; second++)
        {
            if (perSecond[second] >= share * baseline)
            {
                return second + 1 - at;
            }
        }

        return null;
    }

    /// <summary>The longest stretch (seconds) within [from, to] in which no call was answered.</summary>
    public double LongestGap(double from, double to)
    {
        var ends = Calls.Where(c => c.Failure is null && c.End >= from && c.End <= to).Select(c => c.End).Order().ToList();
        var gap = 0.0;
        var previous = from;
        foreach (var end in ends)
        {
            gap = Math.Max(gap, end - previous);
            previous = end;
        }

        return Math.Max(gap, to - previous);
    }

    /// <summary>The latency percentile <paramref name="q"/> (ms) of the calls that started in [from, to).</summary>
    public double Percentile(double q, double from, double to)
    {
        var latencies = Calls.Where(c => c.Start >= from && c.Start < to).Select(c => c.LatencyMs).Order().ToArray();
        return latencies.Length == 0 ? double.NaN : latencies[Math.Clamp((int)Math.Ceiling(q * latencies.Length) - 1, 0, latencies.Length - 1)];
    }

    /// <summary>A one-line summary of the failures (type and message of the first few).</summary>
    public string DescribeFailures() => string.Join("; ", Failures.Take(5).Select(f => string.Create(CultureInfo.InvariantCulture, $"at {f.Start:F1}s: {f.Failure}")));
}
