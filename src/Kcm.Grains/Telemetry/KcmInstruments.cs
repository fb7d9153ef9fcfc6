using System.Diagnostics.Metrics;

namespace Kcm.Grains.Telemetry;

/// <summary>
/// Every metric instrument of a serving node, created from one <see cref="Meter"/> named <see cref="MeterName"/>.
/// Instrument names are the final Prometheus names (base units, <c>_total</c> counters); the exporter does not rename.
/// Gauges read state through callbacks registered by the grains that own it.
/// </summary>
public sealed class KcmInstruments : IDisposable
{
    public const string MeterName = "Kcm";

    /// <summary>Upper bounds for judge confidence, dense near 1 where thresholds live.</summary>
    private static readonly double[] ConfidenceBuckets = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999, 1.0];

    private static readonly double[] LatencyBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private static readonly int[] BatchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

    private readonly Meter _meter = new(MeterName);

    public KcmInstruments()
    {
        Requests = _meter.CreateCounter<long>(
            "kcm_requests_total", "{sample}", "Samples answered or refused, by route (small, large, none) and outcome.");
        JudgeConfidence = _meter.CreateHistogram(
            "kcm_judge_confidence", "1", "The judge's confidence max softmax per sample.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ConfidenceBuckets });
        RequestDuration = _meter.CreateHistogram(
            "kcm_request_duration_seconds", "s", "Server-side time per sample's batch, by route.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        BatchSize = _meter.CreateHistogram(
            "kcm_batch_size", "{sample}", "Samples per batch, by stage (request: as received; large: as run by the large model pool).",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = BatchBuckets });
        TeacherRecordsQueued = _meter.CreateCounter<long>(
            "kcm_teacher_records_queued_total", "{record}", "Teacher records accepted by the teacher queue.");
        TeacherRecordsDropped = _meter.CreateCounter<long>(
            "kcm_teacher_records_dropped_total", "{record}", "Teacher records refused because the teacher queue was full.");
        TeacherRecordsConsumed = _meter.CreateCounter<long>(
            "kcm_teacher_records_consumed_total", "{record}", "Teacher records consumed by distillation rounds.");
        DistillationRounds = _meter.CreateCounter<long>(
            "kcm_distillation_rounds_total", "{round}", "Distillation rounds by outcome (accepted, rejected, failed, empty).");
        Swaps = _meter.CreateCounter<long>(
            "kcm_small_model_swaps_total", "{swap}", "Small model versions made current (promotions and rollbacks).");
        JudgeSwaps = _meter.CreateCounter<long>(
            "kcm_judge_swaps_total", "{swap}", "Judge versions made current by distillation rounds.");
        NonFiniteOutputs = _meter.CreateCounter<long>(
            "kcm_nonfinite_outputs_total", "{sample}",
            "Samples whose model output was not finite (inputs far outside the training range), by model (judge: routed large; small: routed large; large: refused).");
    }

    public Counter<long> Requests { get; }

    public Histogram<double> JudgeConfidence { get; }

    public Histogram<double> RequestDuration { get; }

    public Histogram<int> BatchSize { get; }

    public Counter<long> TeacherRecordsQueued { get; }

    public Counter<long> TeacherRecordsDropped { get; }

    public Counter<long> TeacherRecordsConsumed { get; }

    public Counter<long> DistillationRounds { get; }

    public Counter<long> Swaps { get; }

    public Counter<long> JudgeSwaps { get; }

    public Counter<long> NonFiniteOutputs { get; }

    /// <summary>Registers a gauge read from <paramref name="observe"/> at every collection.</summary>
    public void AddGauge(string name, string unit, string description, Func<double> observe) =>
        _meter.CreateObservableGauge(name, observe, unit, description);

    public void Dispose() => _meter.Dispose();
}
