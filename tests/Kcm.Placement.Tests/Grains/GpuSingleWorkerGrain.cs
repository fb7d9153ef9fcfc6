using Orleans.Concurrency;

namespace Kcm.Placement.Tests.Grains;

/// <summary>[StatelessWorker(1)] (one worker per silo) + [GpuPlacementFilter].</summary>
[StatelessWorker(1)]
[GpuPlacementFilter]
public sealed class GpuSingleWorkerGrain : ProbeGrain, IGpuSingleWorkerGrain;
