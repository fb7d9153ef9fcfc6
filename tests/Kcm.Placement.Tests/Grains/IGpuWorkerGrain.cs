namespace Kcm.Placement.Tests.Grains;

/// <summary>A stateless worker restricted to gpu silos, with Orleans' default number of workers per silo.</summary>
public interface IGpuWorkerGrain : IProbeGrain;
