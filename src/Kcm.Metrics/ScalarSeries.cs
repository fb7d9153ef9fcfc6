namespace Kcm.Metrics;

/// <summary>A counter or gauge series. Integer increments stay exact in a long; other values go to a double.</summary>
internal sealed class ScalarSeries(KeyValuePair<string, object?>[] tags) : Series(tags)
{
    private long _integral;
    private double _fractional;
    private long _observedInCycle;

    public bool HasFractional => Volatile.Read(ref _fractional) != 0;

    public long Integral => Interlocked.Read(ref _integral);

    public double Value => Interlocked.Read(ref _integral) + Volatile.Read(ref _fractional);

    /// <summary>The collection cycle in which an observable instrument last reported this series.</summary>
    public long ObservedInCycle => Interlocked.Read(ref _observedInCycle);

    public void Add(long increment) => Interlocked.Add(ref _integral, increment);

    public void Add(double increment) => AtomicDouble.Add(ref _fractional, increment);

    public void Set(double value, long cycle)
    {
        Interlocked.Exchange(ref _fractional, value);
        Interlocked.Exchange(ref _observedInCycle, cycle);
    }
}
