namespace Kcm.Metrics;

/// <summary>A histogram series: per-bucket counts (not cumulative; the writer accumulates) and the sum.</summary>
internal sealed class HistogramSeries(KeyValuePair<string, object?>[] tags, double[] upperBounds) : Series(tags)
{
    // One slot per upper bound plus the +Inf bucket.
    private readonly long[] _bucketCounts = new long[upperBounds.Length + 1];
    private double _sum;

    public double Sum => Volatile.Read(ref _sum);

    public void Record(double value)
    {
        if (double.IsNaN(value))
        {
            return;
        }

        Interlocked.Increment(ref _bucketCounts[BucketIndex(upperBounds, value)]);
        AtomicDouble.Add(ref _sum, value);
    }

    /// <summary>Copies the bucket counts (length = bounds + 1) into <paramref name="destination"/>.</summary>
    public void CopyBucketCounts(Span<long> destination)
    {
        for (var i = 0; i < _bucketCounts.Length; i++)
        {
            destination[i] = Interlocked.Read(ref _bucketCounts[i]);
        }
    }

    /// <summary>The first bucket whose upper bound is at least the value (Prometheus buckets are "less or equal").</summary>
    internal static int BucketIndex(double[] upperBounds, double value)
    {
        var low = 0;
        var high = upperBounds.Length;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (value <= upperBounds[middle])
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return low;
    }
}
