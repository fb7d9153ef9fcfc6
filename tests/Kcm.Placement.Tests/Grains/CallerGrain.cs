using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Kcm.Placement.Tests.Grains;

/// <summary>Calls the gpu workers from whichever silo the test placed it on.</summary>
public sealed class CallerGrain : Grain, ICallerGrain
{
    /// <inheritdoc />
    public Task<SiloAddress> WhereAsync() => Task.FromResult(GrainContext.Address.SiloAddress!);

    /// <inheritdoc />
    public async Task<ActivationReport[]> CallWorkersAsync(WorkerKind kind, long[] keys, int callsPerKey, int busyMilliseconds)
    {
        // The test placed this grain with a placement hint; the request context flows on to our calls, and the
        // stateless worker director honours a hint, so it must not reach the worker's placement.
        RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        return await Task.WhenAll(keys.SelectMany(key => Enumerable.Range(0, callsPerKey)
            .Select(_ => kind.Get(GrainFactory, key).WhereAsync(busyMilliseconds))));
    }
}
