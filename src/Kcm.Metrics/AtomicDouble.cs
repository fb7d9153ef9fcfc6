namespace Kcm.Metrics;

/// <summary>Lock-free addition to a double field.</summary>
internal static class AtomicDouble
{
    public static void Add(ref double target, double increment)
    {
        var current = Volatile.Read(ref target);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref target, current + increment, current);
            if (seen.Equals(current))
            {
                return;
            }

            current = seen;
        }
    }
}
