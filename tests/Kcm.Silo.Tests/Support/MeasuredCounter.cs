using System.Diagnostics.Metrics;

namespace Kcm.Silo.Tests.Support;

/// <summary>
/// Sums one counter's measurements that carry a given tag, from any meter in the process, while it lives. Use it for
/// counts no other test running in parallel produces.
/// </summary>
internal sealed class MeasuredCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _total;

    public MeasuredCounter(string instrument, string tag, string value)
    {
        _listener.InstrumentPublished = (published, listener) =>
        {
            if (published.Name == instrument)
            {
                listener.EnableMeasurementEvents(published);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, measurement, tags, _) =>
        {
            foreach (var pair in tags)
            {
                if (pair.Key == tag && Equals(pair.Value, value))
                {
                    Interlocked.Add(ref _total, measurement);
                }
            }
        });
        _listener.Start();
    }

    public long Total => Interlocked.Read(ref _total);

    public void Dispose() => _listener.Dispose();
}
