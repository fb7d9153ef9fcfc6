using System.Diagnostics.Metrics;
using Kcm.Contracts;
using Kcm.Grains.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace Kcm.Cli.Demo;

/// <summary>
/// The embedded silo's own <c>kcm_</c> metrics, listened to in this process from the moment this is made: teacher records
/// the large model queued (<c>kcm_teacher_records_queued_total</c>), and the server-side time of every answered batch by
/// route (<c>kcm_request_duration_seconds</c>: judge and small model for the small route, also the large model's queue
/// and run for the large one). Only the instruments of that silo's meter factory are read, not those of other silos
/// in the process.
/// </summary>
internal sealed class SiloMeterReadings : IDisposable
{
    private const string QueuedName = "kcm_teacher_records_queued_total";
    private const string DurationName = "kcm_request_duration_seconds";

    private readonly MeterListener _listener = new();
    private readonly IMeterFactory _siloMeters;
    private long _queued;
    private ServerLatencies? _sink;

    public SiloMeterReadings(IServiceProvider siloServices)
    {
        _siloMeters = siloServices.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == KcmInstruments.MeterName && ReferenceEquals(instrument.Meter.Scope, _siloMeters)
                && instrument.Name is QueuedName or DurationName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>(OnCount);
        _listener.SetMeasurementEventCallback<double>(OnDuration);
        _listener.Start();
    }

    /// <summary>Teacher records the silo queued since this was made.</summary>
    public long RecordsQueued => Interlocked.Read(ref _queued);

    /// <summary>Where batch latencies go from now on (null: nowhere).</summary>
    public void RecordServerLatencies(ServerLatencies? sink) => Volatile.Write(ref _sink, sink);

    public void Dispose() => _listener.Dispose();

    private void OnCount(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument.Name == QueuedName)
        {
            Interlocked.Add(ref _queued, value);
        }
    }

    private void OnDuration(Instrument instrument, double seconds, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (Volatile.Read(ref _sink) is not { } sink)
        {
            return;
        }

        foreach (var tag in tags)
        {
            if (tag.Key == "route")
            {
                switch (tag.Value as string)
                {
                    case "small": sink.Add(InferenceRoute.Small, seconds * 1000); break;
                    case "large": sink.Add(InferenceRoute.Large, seconds * 1000); break;
                }

                return;
            }
        }
    }
}
