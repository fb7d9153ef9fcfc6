using Kcm.Contracts;

namespace Kcm.Cli.Demo;

/// <summary>Server-side latencies of one traffic phase by route, in milliseconds, added from any thread.</summary>
internal sealed class ServerLatencies
{
    private readonly Lock _lock = new();
    private readonly List<double> _small = [];
    private readonly List<double> _large = [];

    /// <summary>Adds one latency of <paramref name="route"/>.</summary>
    public void Add(InferenceRoute route, double milliseconds)
    {
        lock (_lock)
        {
            (route == InferenceRoute.Small ? _small : _large).Add(milliseconds);
        }
    }

    /// <summary>Copies of the latencies added so far.</summary>
    public (List<double> Small, List<double> Large) Read()
    {
        lock (_lock)
        {
            return ([.. _small], [.. _large]);
        }
    }
}
