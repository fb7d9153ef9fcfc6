using System.Buffers;
using System.Diagnostics.Metrics;
using System.Text;

namespace Kcm.Metrics.Tests;

/// <summary>A meter with a name no other test uses and an exporter listening only to it.</summary>
internal sealed class ExporterScope : IDisposable
{
    public ExporterScope(IReadOnlyList<double>? defaultBoundaries = null)
    {
        var name = "KcmTest." + Guid.NewGuid().ToString("N");
        Meter = new Meter(name);
        Exporter = new PrometheusExporter(new PrometheusExporterOptions
        {
            MeterNamePrefix = name,
            DefaultHistogramBoundaries = defaultBoundaries ?? PrometheusExporterOptions.DefaultSecondsBoundaries,
        });
    }

    public Meter Meter { get; }

    public PrometheusExporter Exporter { get; }

    public string Scrape()
    {
        var buffer = new ArrayBufferWriter<byte>();
        Exporter.Write(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The scrape's sample lines (no comments), for exact comparisons.</summary>
    public string[] SampleLines() =>
        [.. Scrape().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#'))];

    public void Dispose()
    {
        Exporter.Dispose();
        Meter.Dispose();
    }
}
