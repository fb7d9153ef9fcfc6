namespace Kcm.Placement.Tests.Grains;

/// <summary>Which gpu worker grain a caller calls.</summary>
[GenerateSerializer]
public enum WorkerKind
{
    /// <summary><see cref="IGpuWorkerGrain"/>: [StatelessWorker].</summary>
    Default,

    /// <summary><see cref="IGpuSingleWorkerGrain"/>: [StatelessWorker(1)].</summary>
    Single,
}
