namespace Kcm.Placement.Tests.Grains;

/// <summary>A stateless worker restricted to gpu silos, with at most one worker per silo.</summary>
public interface IGpuSingleWorkerGrain : IProbeGrain;
