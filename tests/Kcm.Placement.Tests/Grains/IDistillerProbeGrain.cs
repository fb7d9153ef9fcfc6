namespace Kcm.Placement.Tests.Grains;

/// <summary>An ordinary (single-activation) grain restricted to distiller silos.</summary>
public interface IDistillerProbeGrain : IProbeGrain;
