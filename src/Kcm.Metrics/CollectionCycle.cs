namespace Kcm.Metrics;

/// <summary>Counts scrapes, so series an observable instrument stopped reporting can be left out.</summary>
internal sealed class CollectionCycle
{
    private long _current;

    public long Current => Interlocked.Read(ref _current);

    public long Advance() => Interlocked.Increment(ref _current);
}
