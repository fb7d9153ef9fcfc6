using System.Text;

namespace Kcm.Metrics;

/// <summary>One exported metric: its name, HELP/TYPE header and series; instruments of the same name share one.</summary>
internal abstract class MetricFamily
{
    protected MetricFamily(string name, string? description, MetricKind kind)
    {
        Name = name;
        Kind = kind;
        var type = kind switch
        {
            MetricKind.CounterAdd or MetricKind.CounterSet => "counter",
            MetricKind.Histogram => "histogram",
            _ => "gauge",
        };
        var header = new StringBuilder();
        if (!string.IsNullOrEmpty(description))
        {
            header.Append("# HELP ").Append(name).Append(' ').Append(PrometheusNames.EscapeHelp(description)).Append('\n');
        }

        header.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        Header = Encoding.UTF8.GetBytes(header.ToString());
        NameBytes = Encoding.UTF8.GetBytes(name);
    }

    public string Name { get; }

    public MetricKind Kind { get; }

    protected byte[] Header { get; }

    protected byte[] NameBytes { get; }

    public abstract void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    /// <summary>Writes header and samples; nothing when there is no series to show.</summary>
    public abstract void Write(PrometheusTextWriter writer, long cycle);

    /// <summary>Series in a stable order: by rendered labels.</summary>
    protected static TSeries[] Ordered<TSeries>(TSeries[] series)
        where TSeries : Series
    {
        var copy = (TSeries[])series.Clone();
        Array.Sort(copy, static (a, b) => string.CompareOrdinal(a.LabelText, b.LabelText));
        return copy;
    }
}
