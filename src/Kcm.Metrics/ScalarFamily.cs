namespace Kcm.Metrics;

/// <summary>A counter or gauge metric, fed by increments (Counter, UpDownCounter) or observed values (observables, Gauge).</summary>
internal sealed class ScalarFamily : MetricFamily
{
    private readonly SeriesTable<ScalarSeries> _series = new(static tags => new ScalarSeries(tags));
    private readonly CollectionCycle _cycle;
    private readonly bool _observable;

    public ScalarFamily(string name, string? description, MetricKind kind, bool observable, CollectionCycle cycle)
        : base(name, description, kind)
    {
        _observable = observable;
        _cycle = cycle;
    }

    private bool Sets => Kind is MetricKind.CounterSet or MetricKind.GaugeSet;

    public override void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var series = _series.GetOrAdd(tags);
        if (Sets)
        {
            series.Set(value, _cycle.Current);
        }
        else
        {
            series.Add(value);
        }
    }

    public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var series = _series.GetOrAdd(tags);
        if (Sets)
        {
            series.Set(value, _cycle.Current);
        }
        else
        {
            series.Add(value);
        }
    }

    public override void Write(PrometheusTextWriter writer, long cycle)
    {
        var all = _series.Snapshot();
        var headerWritten = false;
        foreach (var series in Ordered(all))
        {
            // An observable reports its whole state each scrape; a series it no longer reports is gone.
            if (_observable && series.ObservedInCycle != cycle)
            {
                continue;
            }

            if (!headerWritten)
            {
                writer.Write(Header);
                headerWritten = true;
            }

            writer.Write(NameBytes);
            if (series.LabelBytes.Length > 0)
            {
                writer.Write("{"u8);
                writer.Write(series.LabelBytes);
                writer.Write("}"u8);
            }

            writer.Write(" "u8);
            if (series.HasFractional)
            {
                writer.Write(series.Value);
            }
            else
            {
                writer.Write(series.Integral);
            }

            writer.Write("\n"u8);
        }
    }
}
