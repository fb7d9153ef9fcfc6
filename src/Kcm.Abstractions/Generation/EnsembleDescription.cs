namespace Kcm.Abstractions.Generation;

/// <summary>An ensemble's name and its member models in the manifest's order.</summary>
[GenerateSerializer, Immutable, Alias("kcm.ensemble-description")]
public sealed record EnsembleDescription(string Name, string[] Members);
