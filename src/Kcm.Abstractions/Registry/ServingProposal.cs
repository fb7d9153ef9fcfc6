namespace Kcm.Abstractions.Registry;

/// <summary>What a publisher asks the registry to serve next (the registry numbers it).</summary>
[GenerateSerializer, Immutable, Alias("kcm.serving-proposal")]
public sealed record ServingProposal(StoredWeights Small, StoredWeights Judge, double Threshold, string Reason);
