namespace Kcm.Metrics;

/// <summary>How an instrument's measurements are aggregated and which Prometheus TYPE it gets.</summary>
internal enum MetricKind
{
    /// <summary>Counter: measurements are increments; TYPE counter.</summary>
    CounterAdd,

    /// <summary>UpDownCounter: measurements are increments; TYPE gauge.</summary>
    GaugeAdd,

    /// <summary>ObservableCounter: each observation is the running total; TYPE counter.</summary>
    CounterSet,

    /// <summary>ObservableGauge, ObservableUpDownCounter, Gauge: each observation replaces the value; TYPE gauge.</summary>
    GaugeSet,

    /// <summary>Histogram: explicit buckets; TYPE histogram.</summary>
    Histogram,
}
