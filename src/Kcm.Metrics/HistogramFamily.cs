using System.Buffers;
using System.Text;

namespace Kcm.Metrics;

/// <summary>A histogram metric with fixed explicit bucket bounds, written as cumulative _bucket, _sum and _count.</summary>
internal sealed class HistogramFamily : MetricFamily
{
    private readonly SeriesTable<HistogramSeries> _series;
    private readonly byte[] _bucketName;
    private readonly byte[] _sumName;
    private readonly byte[] _countName;

    // le="..." for each bound and +Inf, rendered once.
    private readonly byte[][] _leLabels;

    public HistogramFamily(string name, string? description, double[] upperBounds)
        : base(name, description, MetricKind.Histogram)
    {
        _series = new SeriesTable<HistogramSeries>(tags => new HistogramSeries(tags, upperBounds));
        _bucketName = Encoding.UTF8.GetBytes(name + "_bucket");
        _sumName = Encoding.UTF8.GetBytes(name + "_sum");
        _countName = Encoding.UTF8.GetBytes(name + "_count");
        _leLabels = [
            .. upperBounds.Select(b => Encoding.UTF8.GetBytes($"le=\"{PrometheusTextWriter.Format(b)}\"")),
            "le=\"+Inf\""u8.ToArray(),
        ];
    }

    public override void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _series.GetOrAdd(tags).Record(value);

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _series.GetOrAdd(tags).Record(value);

    public override void Write(PrometheusTextWriter writer, long cycle)
    {
        var all = _series.Snapshot();
        if (all.Length == 0)
        {
            return;
        }

        writer.Write(Header);
        var counts = ArrayPool<long>.Shared.Rent(_leLabels.Length);
        try
        {
            foreach (var series in Ordered(all))
            {
                WriteSeries(writer, series, counts.AsSpan(0, _leLabels.Length));
            }
        }
        finally
        {
            ArrayPool<long>.Shared.Return(counts);
        }
    }

    private void WriteSeries(PrometheusTextWriter writer, HistogramSeries series, Span<long> counts)
    {
        // Count is the sum of the buckets read here, so _count always equals the +Inf bucket.
        series.CopyBucketCounts(counts);
        long cumulative = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            cumulative += counts[i];
            writer.Write(_bucketName);
            writer.Write("{"u8);
            if (series.LabelBytes.Length > 0)
            {
                writer.Write(series.LabelBytes);
                writer.Write(","u8);
            }

            writer.Write(_leLabels[i]);
            writer.Write("} "u8);
            writer.Write(cumulative);
            writer.Write("\n"u8);
        }

        WriteLabelled(writer, _sumName, series);
        writer.Write(series.Sum);
        writer.Write("\n"u8);
        WriteLabelled(writer, _countName, series);
        writer.Write(cumulative);
        writer.Write("\n"u8);
    }

    private static void WriteLabelled(PrometheusTextWriter writer, byte[] name, HistogramSeries series)
    {
        writer.Write(name);
        if (series.LabelBytes.Length > 0)
        {
            writer.Write("{"u8);
            writer.Write(series.LabelBytes);
            writer.Write("}"u8);
        }

        writer.Write(" "u8);
    }
}
