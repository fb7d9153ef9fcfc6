using Orleans.Concurrency;

namespace Kcm.Placement.Tests.Grains;

/// <summary>[StatelessWorker] (default: up to one worker per processor on each silo) + [GpuPlacementFilter].</summary>
[StatelessWorker]
[GpuPlacementFilter]
public sealed class GpuWorkerGrain : ProbeGrain, IGpuWorkerGrain;
