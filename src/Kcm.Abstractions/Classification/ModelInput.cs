namespace Kcm.Abstractions.Classification;

/// <summary>Rows of features for one model call.</summary>
/// <param name="Features">Rows x the model's input size, row-major; never changed after sending.</param>
/// <param name="Rows">Samples (at least 1).</param>
[GenerateSerializer, Immutable, Alias("kcm.model-input")]
public sealed record ModelInput(float[] Features, int Rows);
