namespace Kcm.Placement.Tests.Grains;

/// <summary>Resolves a <see cref="WorkerKind"/> to its grain.</summary>
public static class WorkerKinds
{
    /// <summary>The gpu worker grain of this kind with <paramref name="key"/>.</summary>
    public static IProbeGrain Get(this WorkerKind kind, IGrainFactory grains, long key) => kind switch
    {
        WorkerKind.Default => grains.GetGrain<IGpuWorkerGrain>(key),
        WorkerKind.Single => grains.GetGrain<IGpuSingleWorkerGrain>(key),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The most activations one silo may hold for one grain of this kind.</summary>
    public static int MaxPerSilo(this WorkerKind kind) =>
        // [StatelessWorker] without a number allows one worker per processor on each silo.
        kind == WorkerKind.Single ? 1 : Environment.ProcessorCount;
}
