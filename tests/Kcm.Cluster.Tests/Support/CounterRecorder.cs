using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Kcm.Grains.Telemetry;

namespace Kcm.Cluster.Tests.Support;

/// <summary>Sums the kcm_ counters recorded while it lives (tests run one at a time, so they are this test's).</summary>
public sealed class CounterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _totals = new();

    public CounterRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == KcmInstruments.MeterName && instrument is Counter<long>)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _totals.AddOrUpdate(instrument.Name, value, (_, total) => total + value));
        _listener.Start();
    }

    public long Total(string name) => _totals.TryGetValue(name, out var total) ? total : 0;

    public void Dispose() => _listener.Dispose();
}
