namespace Kcm.Metrics;

/// <summary>Settings of <see cref="PrometheusExporter"/>.</summary>
public sealed class PrometheusExporterOptions
{
    /// <summary>Bucket upper bounds (seconds) for histograms without advice, from 100 µs to 10 s.</summary>
    public static IReadOnlyList<double> DefaultSecondsBoundaries { get; } =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>Only meters whose name starts with this (ordinal) are exported.</summary>
    /// <value>Default "Kcm". Must not be empty.</value>
    public string MeterNamePrefix { get; init; } = "Kcm";

    /// <summary>
    /// When set, only meters whose <see cref="System.Diagnostics.Metrics.Meter.Scope"/> is this very object are exported,
    /// e.g. the host's <c>IMeterFactory</c>: several hosts in one process (tests) then keep their metrics apart.
    /// </summary>
    /// <value>Default null: any scope.</value>
    public object? MeterScope { get; init; }

    /// <summary>Histogram bucket upper bounds used when the instrument gives no advice.</summary>
    /// <value>Default <see cref="DefaultSecondsBoundaries"/>. Must be non-empty, finite and strictly increasing.</value>
    public IReadOnlyList<double> DefaultHistogramBoundaries { get; init; } = DefaultSecondsBoundaries;

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid field.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrEmpty(MeterNamePrefix))
        {
            errors.Add($"{nameof(MeterNamePrefix)} must not be empty.");
        }

        if (!HistogramBoundaries.AreValid(DefaultHistogramBoundaries))
        {
            errors.Add($"{nameof(DefaultHistogramBoundaries)} must be non-empty, finite and strictly increasing.");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid PrometheusExporterOptions: " + string.Join(" ", errors));
        }
    }
}
