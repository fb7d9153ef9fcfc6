namespace Kcm.Evaluation;

/// <summary>The small model's and each trained router's architecture and parameter count, and the training budget chosen from the data.</summary>
public sealed record ModelSizes(
    string SmallArchitecture,
    int SmallParameters,
    IReadOnlyDictionary<string, RouterModelSize> Routers,
    int MaxEpochs,
    int BatchSize,
    int Patience);
