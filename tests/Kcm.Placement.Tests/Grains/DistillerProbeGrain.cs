namespace Kcm.Placement.Tests.Grains;

/// <summary>Default (random) placement + [DistillerPlacementFilter].</summary>
[DistillerPlacementFilter]
public sealed class DistillerProbeGrain : ProbeGrain, IDistillerProbeGrain;
