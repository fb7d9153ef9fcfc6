using System.Diagnostics.Metrics;
using Kcm.Contracts;
using Kcm.Grains.Distillation;
using Kcm.Grains.Telemetry;

namespace Kcm.Silo.Hosting;

/// <summary>
/// This silo's distillation figures since it started (rounds by outcome, teacher records queued and used), added up by a
/// <see cref="MeterListener"/> from this silo's own <see cref="KcmInstruments"/> counters, so the grains count once for
/// Prometheus and for <c>GET /v1/models/{model}/distillation</c>. Created with the host, before any traffic.
/// </summary>
public sealed class DistillationTally : IDisposable
{
    private readonly KcmInstruments _instruments;
    private readonly MeterListener _listener;

    // Indexed by DistillationRoundOutcome.
    private readonly long[] _rounds = new long[Enum.GetValues<DistillationRoundOutcome>().Length];
    private long _queued;
    private long _consumed;

    public DistillationTally(KcmInstruments instruments)
    {
        _instruments = instruments;
        _listener = new MeterListener { InstrumentPublished = OnInstrumentPublished };
        _listener.SetMeasurementEventCallback<long>(OnMeasurement);
        _listener.Start();
    }

    /// <summary>The figures so far, as the HTTP API answers them.</summary>
    public DistillationInfo Read(string model) => new(
        model,
        Interlocked.Read(ref _rounds[(int)DistillationRoundOutcome.Accepted]),
        Interlocked.Read(ref _rounds[(int)DistillationRoundOutcome.Rejected]),
        Interlocked.Read(ref _rounds[(int)DistillationRoundOutcome.Failed]),
        Interlocked.Read(ref _rounds[(int)DistillationRoundOutcome.Empty]),
        Interlocked.Read(ref _queued),
        Interlocked.Read(ref _consumed));

    public void Dispose() => _listener.Dispose();

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        // This silo's instruments themselves, not every instrument of the same name in the process.
        if (ReferenceEquals(instrument, _instruments.DistillationRounds)
            || ReferenceEquals(instrument, _instruments.TeacherRecordsQueued)
            || ReferenceEquals(instrument, _instruments.TeacherRecordsConsumed))
        {
            listener.EnableMeasurementEvents(instrument);
        }
    }

    private void OnMeasurement(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (ReferenceEquals(instrument, _instruments.TeacherRecordsQueued))
        {
            Interlocked.Add(ref _queued, value);
        }
        else if (ReferenceEquals(instrument, _instruments.TeacherRecordsConsumed))
        {
            Interlocked.Add(ref _consumed, value);
        }
        else if (OutcomeOf(tags) is { } outcome)
        {
            Interlocked.Add(ref _rounds[(int)outcome], value);
        }
    }

    /// <summary>The round's outcome from its <c>outcome</c> tag (the enum member's name in lower case).</summary>
    private static DistillationRoundOutcome? OutcomeOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "outcome" && tag.Value is string text && Enum.TryParse<DistillationRoundOutcome>(text, ignoreCase: true, out var outcome))
            {
                return outcome;
            }
        }

        return null;
    }
}
