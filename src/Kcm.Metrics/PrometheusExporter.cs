using System.Buffers;
using System.Diagnostics.Metrics;

namespace Kcm.Metrics;

/// <summary>
/// Listens to every meter whose name starts with a prefix, aggregates its instruments per tag set and
/// writes them in the Prometheus text exposition format 0.0.4. Instrument names become metric names
/// (sanitised only). Recording is lock-free; writing takes a snapshot.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    /// <summary>The content type to serve <see cref="Write"/>'s output with.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly PrometheusExporterOptions _options;
    private readonly MeterListener _listener;
    private readonly CollectionCycle _cycle = new();
    private readonly Lock _familiesGate = new();
    private readonly Lock _writeGate = new();

    // Sorted by name, replaced as a whole when an instrument arrives, so writing needs no lock on it.
    private MetricFamily[] _families = [];

    public PrometheusExporter(PrometheusExporterOptions? options = null)
    {
        _options = options ?? new PrometheusExporterOptions();
        _options.Validate();
        _listener = new MeterListener { InstrumentPublished = OnInstrumentPublished };
        _listener.SetMeasurementEventCallback<byte>(static (_, value, tags, state) => ((MetricFamily)state!).Record((long)value, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, value, tags, state) => ((MetricFamily)state!).Record((long)value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((MetricFamily)state!).Record((long)value, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((MetricFamily)state!).Record((double)value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, value, tags, state) => ((MetricFamily)state!).Record((double)value, tags));
        _listener.Start();
    }

    /// <summary>Collects observable instruments and writes the whole exposition as UTF-8.</summary>
    public void Write(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        lock (_writeGate)
        {
            var cycle = _cycle.Advance();
            _listener.RecordObservableInstruments();
            var writer = new PrometheusTextWriter(output);
            foreach (var family in Volatile.Read(ref _families))
            {
                family.Write(writer, cycle);
            }
        }
    }

    /// <summary>Writes the exposition to a stream (e.g. an HTTP response body).</summary>
    public async Task WriteAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        Write(buffer);
        await destination.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _listener.Dispose();

    private static MetricKind? KindOf(Instrument instrument)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType)
        {
            return null;
        }

        var definition = type.GetGenericTypeDefinition();
        if (definition == typeof(Counter<>))
        {
            return MetricKind.CounterAdd;
        }

        if (definition == typeof(UpDownCounter<>))
        {
            return MetricKind.GaugeAdd;
        }

        if (definition == typeof(ObservableCounter<>))
        {
            return MetricKind.CounterSet;
        }

        if (definition == typeof(ObservableGauge<>) || definition == typeof(ObservableUpDownCounter<>) || definition == typeof(Gauge<>))
        {
            return MetricKind.GaugeSet;
        }

        return definition == typeof(Histogram<>) ? MetricKind.Histogram : null;
    }

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!instrument.Meter.Name.StartsWith(_options.MeterNamePrefix, StringComparison.Ordinal)
            || (_options.MeterScope is { } scope && !ReferenceEquals(instrument.Meter.Scope, scope))
            || KindOf(instrument) is not { } kind)
        {
            return;
        }

        if (FamilyFor(instrument, kind) is { } family)
        {
            listener.EnableMeasurementEvents(instrument, family);
        }
    }

    /// <summary>The family of the instrument's name: an existing one of the same kind, or a new one; null on a kind clash.</summary>
    private MetricFamily? FamilyFor(Instrument instrument, MetricKind kind)
    {
        var name = PrometheusNames.MetricName(instrument.Name);
        lock (_familiesGate)
        {
            foreach (var existing in _families)
            {
                if (existing.Name == name)
                {
                    // Two instruments may share a name (e.g. one meter per host in tests); a different kind cannot.
                    return existing.Kind == kind ? existing : null;
                }
            }

            MetricFamily family = kind == MetricKind.Histogram
                ? new HistogramFamily(name, instrument.Description, HistogramBoundaries.For(instrument, _options.DefaultHistogramBoundaries))
                : new ScalarFamily(name, instrument.Description, kind, instrument.IsObservable, _cycle);
            MetricFamily[] families = [.. _families, family];
            Array.Sort(families, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
            Volatile.Write(ref _families, families);
            return family;
        }
    }
}
