namespace Kcm.Metrics;

/// <summary>Checks and picks histogram bucket upper bounds.</summary>
internal static class HistogramBoundaries
{
    public static bool AreValid(IReadOnlyList<double>? boundaries)
    {
        if (boundaries is null || boundaries.Count == 0)
        {
            return false;
        }

        for (var i = 0; i < boundaries.Count; i++)
        {
            if (!double.IsFinite(boundaries[i]) || (i > 0 && boundaries[i] <= boundaries[i - 1]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The instrument's advised boundaries when it gives valid ones, else the fallback.</summary>
    public static double[] For(System.Diagnostics.Metrics.Instrument instrument, IReadOnlyList<double> fallback)
    {
        var advised = instrument switch
        {
            System.Diagnostics.Metrics.Instrument<double> d => d.Advice?.HistogramBucketBoundaries?.ToArray(),
            System.Diagnostics.Metrics.Instrument<float> f => f.Advice?.HistogramBucketBoundaries?.Select(v => (double)v).ToArray(),
            System.Diagnostics.Metrics.Instrument<long> l => l.Advice?.HistogramBucketBoundaries?.Select(v => (double)v).ToArray(),
            System.Diagnostics.Metrics.Instrument<int> i => i.Advice?.HistogramBucketBoundaries?.Select(v => (double)v).ToArray(),
            System.Diagnostics.Metrics.Instrument<short> s => s.Advice?.HistogramBucketBoundaries?.Select(v => (double)v).ToArray(),
            System.Diagnostics.Metrics.Instrument<byte> b => b.Advice?.HistogramBucketBoundaries?.Select(v => (double)v).ToArray(),
            System.Diagnostics.Metrics.Instrument<decimal> m => m.Advice?.HistogramBucketBoundaries?.Select(v => (double)v).ToArray(),
            _ => null,
        };
        return AreValid(advised) ? advised! : [.. fallback];
    }
}
