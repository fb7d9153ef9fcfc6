using System.Diagnostics.Metrics;
using Kcm.Grains.Telemetry;

namespace Kcm.Cluster.Telemetry;

/// <summary>
/// The cluster fabric's metric instruments, on a meter of the same name as <see cref="KcmInstruments"/> so the silo's
/// exporter lists them with the others. Names are final Prometheus names; dashboards and alerts use them as they are.
/// </summary>
public sealed class ClusterInstruments : IDisposable
{
    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    /// <param name="meterFactory">The host's meter factory (see <see cref="KcmInstruments"/>); null for a process-wide meter.</param>
    public ClusterInstruments(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(KcmInstruments.MeterName) ?? new Meter(KcmInstruments.MeterName);
        _ownsMeter = meterFactory is null;
        LargeRedeliveries = _meter.CreateCounter<long>(
            "kcm_large_redeliveries_total", "{request}", "Large-model requests a worker received again after another worker (or channel) failed to answer them.");
        LargeReplyTimeouts = _meter.CreateCounter<long>(
            "kcm_large_reply_timeouts_total", "{attempt}", "Large-model request attempts a front gave up waiting on (each is retried once, then refused).");
        LargeExpiredDropped = _meter.CreateCounter<long>(
            "kcm_large_expired_dropped_total", "{request}", "Large-model requests a worker dropped unrun because their deadline had passed.");
        LargeDuplicateReplies = _meter.CreateCounter<long>(
            "kcm_large_duplicate_replies_total", "{reply}", "Replies a front ignored because the request was already answered or given up.");
        TeacherDeadLettered = _meter.CreateCounter<long>(
            "kcm_teacher_records_dead_lettered_total", "{record}", "Teacher records moved to the dead-letter queue because they did not decode.");
        TeacherDuplicates = _meter.CreateCounter<long>(
            "kcm_teacher_records_duplicates_total", "{record}", "Teacher records received again under an id already received or used (published twice), acknowledged and not used.");
    }

    public Counter<long> LargeRedeliveries { get; }

    public Counter<long> LargeReplyTimeouts { get; }

    public Counter<long> LargeExpiredDropped { get; }

    public Counter<long> LargeDuplicateReplies { get; }

    public Counter<long> TeacherDeadLettered { get; }

    public Counter<long> TeacherDuplicates { get; }

    /// <summary>Registers a gauge with one measurement per tag set, read at every collection.</summary>
    public void AddGauge(string name, string unit, string description, Func<IEnumerable<Measurement<double>>> observe) =>
        _meter.CreateObservableGauge(name, observe, unit, description);

    /// <summary>Disposes the meter unless a meter factory made it (the factory then owns it).</summary>
    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
