using System.Diagnostics.Metrics;

namespace Kcm.Grains.Telemetry;

/// <summary>
/// Every <c>kcm_</c> metric instrument of a serving silo, from one <see cref="Meter"/> named <see cref="MeterName"/>
/// made by the silo's <see cref="IMeterFactory"/> (several silos in one process keep their figures apart). Names and
/// units are the final Prometheus names the first version exported (dashboards and tests name them); gauges read state
/// through callbacks registered by the services that own it.
/// </summary>
public sealed class KcmInstruments
{
    /// <summary>The meter name an exporter adds (<c>AddMeter(KcmInstruments.MeterName)</c>).</summary>
    public const string MeterName = "Kcm";

    /// <summary>Upper bounds for judge confidence, dense near 1 where thresholds live.</summary>
    private static readonly double[] ConfidenceBuckets = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999, 1.0];

    private static readonly double[] LatencyBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private static readonly int[] BatchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

    private readonly Meter _meter;

    public KcmInstruments(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        Requests = _meter.CreateCounter<long>(
            "kcm_requests_total", "{sample}", "Samples answered or refused, by route (small, large, none) and outcome.");
        JudgeConfidence = _meter.CreateHistogram(
            "kcm_judge_confidence", "1", "The judge's confidence max softmax per sample.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ConfidenceBuckets });
        RequestDuration = _meter.CreateHistogram(
            "kcm_request_duration_seconds", "s", "Server-side time per sample's batch, by route.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        BatchSize = _meter.CreateHistogram(
            "kcm_batch_size", "{sample}", "Samples per batch, by stage (request: as received; large: as run by the large model batcher).",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = BatchBuckets });
        TeacherRecordsQueued = _meter.CreateCounter<long>(
            "kcm_teacher_records_queued_total", "{record}", "Teacher records accepted by the teacher queue.");
        TeacherRecordsDropped = _meter.CreateCounter<long>(
            "kcm_teacher_records_dropped_total", "{record}",
            "Teacher records refused, by reason (full, duplicate, too-large, undecodable, training-failed, unsent-at-stop).");
        TeacherRecordsRedelivered = _meter.CreateCounter<long>(
            "kcm_teacher_records_redelivered_total", "{record}",
            "Teacher records handed over again after a round had already used them (in the distillation ledger): acknowledged without training.");
        TeacherMessagesSent = _meter.CreateCounter<long>(
            "kcm_teacher_messages_sent_total", "{message}", "Messages of packed teacher records sent to the shared teacher queue.");
        TeacherRecordsSent = _meter.CreateCounter<long>(
            "kcm_teacher_records_sent_total", "{record}",
            "Teacher records sent to the shared teacher queue (accepted = sent + still buffered + unsent at stop, on each silo).");
        TeacherQueueErrors = _meter.CreateCounter<long>(
            "kcm_teacher_queue_errors_total", "{error}",
            "Failed requests to the shared teacher queue, by operation (send, receive, renew, delete, release, count); sends are retried.");
        TeacherRecordsConsumed = _meter.CreateCounter<long>(
            "kcm_teacher_records_consumed_total", "{record}", "Teacher records consumed by distillation rounds.");
        DistillationRounds = _meter.CreateCounter<long>(
            "kcm_distillation_rounds_total", "{round}", "Distillation rounds by outcome (accepted, rejected, failed, empty).");
        Swaps = _meter.CreateCounter<long>(
            "kcm_small_model_swaps_total", "{swap}", "Small model versions made current on this silo (promotions and rollbacks).");
        JudgeSwaps = _meter.CreateCounter<long>(
            "kcm_judge_swaps_total", "{swap}", "Judge versions made current on this silo.");
        SwapFailures = _meter.CreateCounter<long>(
            "kcm_serving_swap_failures_total", "{swap}", "Serving versions this silo refused to load (missing or corrupt weights); the previous one keeps serving.");
        HintRows = _meter.CreateCounter<long>(
            "kcm_hint_rows_total", "{sample}",
            "Large-route samples whose large model read the small model's hint, by outcome (echoed: it answered the hint's class, the small model's prediction; overridden: another class).");
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

    /// <summary>Teacher records that reached the shared teacher queue (in messages whose send succeeded).</summary>
    public Counter<long> TeacherRecordsSent { get; }

    public Counter<long> TeacherRecordsConsumed { get; }

    public Counter<long> TeacherRecordsRedelivered { get; }

    public Counter<long> TeacherMessagesSent { get; }

    public Counter<long> TeacherQueueErrors { get; }

    public Counter<long> DistillationRounds { get; }

    public Counter<long> Swaps { get; }

    public Counter<long> JudgeSwaps { get; }

    public Counter<long> SwapFailures { get; }

    public Counter<long> NonFiniteOutputs { get; }

    /// <summary>
    /// Large-route samples answered with the hint read, by outcome: echoed (the large model's class is the hint's
    /// argmax) or overridden. With the small model's accuracy on those rows, how often a wrong hint is echoed.
    /// </summary>
    public Counter<long> HintRows { get; }

    /// <summary>Registers a gauge read from <paramref name="observe"/> at every collection.</summary>
    public void AddGauge(string name, string unit, string description, Func<double> observe) =>
        _meter.CreateObservableGauge(name, observe, unit, description);

    /// <summary>Registers a gauge that has no series while <paramref name="observe"/> gives null (rather than a made-up value).</summary>
    public void AddOptionalGauge(string name, string unit, string description, Func<double?> observe) =>
        _meter.CreateObservableGauge(
            name, () => observe() is { } value ? [new Measurement<double>(value)] : Array.Empty<Measurement<double>>(), unit, description);
}
