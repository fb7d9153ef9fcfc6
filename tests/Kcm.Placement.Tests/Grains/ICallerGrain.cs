using Orleans.Runtime;

namespace Kcm.Placement.Tests.Grains;

/// <summary>A grain the tests place on a chosen silo, to call the gpu workers from there.</summary>
public interface ICallerGrain : IGrainWithGuidKey
{
    /// <summary>The silo this caller runs on.</summary>
    Task<SiloAddress> WhereAsync();

    /// <summary>Makes <paramref name="callsPerKey"/> concurrent calls to each worker in <paramref name="keys"/>, all at once; returns each call's report.</summary>
    Task<ActivationReport[]> CallWorkersAsync(WorkerKind kind, long[] keys, int callsPerKey, int busyMilliseconds);
}
