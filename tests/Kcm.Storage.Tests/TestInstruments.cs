using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Kcm.Grains.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace Kcm.Storage.Tests;

/// <summary>
/// A <see cref="KcmInstruments"/> of its own meter factory, and the counts its counters report (by instrument name and
/// tag values), so a test reads exactly what one queue counted.
/// </summary>
public sealed class TestInstruments : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    public TestInstruments()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = _services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name;
            foreach (var tag in tags)
            {
                key += $"|{tag.Key}={tag.Value}";
            }

            _counts.AddOrUpdate(key, value, (_, total) => total + value);
        });
        _listener.Start();
        Instruments = new KcmInstruments(factory);
    }

    public KcmInstruments Instruments { get; }

    /// <summary>The total of counter <paramref name="name"/> with exactly the tag <paramref name="tag"/> (e.g. "reason=full"), or untagged.</summary>
    public long Count(string name, string? tag = null) => _counts.TryGetValue(tag is null ? name : $"{name}|{tag}", out var total) ? total : 0;

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }
}
