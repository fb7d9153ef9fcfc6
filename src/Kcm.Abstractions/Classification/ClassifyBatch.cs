namespace Kcm.Abstractions.Classification;

/// <summary>A batch to classify: <paramref name="Rows"/> samples, their features row after row.</summary>
/// <param name="Features">Rows x the model's input size, row-major. Owned by the message: never changed after sending.</param>
/// <param name="Rows">Samples in the batch (at least 1).</param>
/// <param name="ReturnProbabilities">Whether the answer carries every row's class probabilities.</param>
[GenerateSerializer, Immutable, Alias("kcm.classify-batch")]
public sealed record ClassifyBatch(float[] Features, int Rows, bool ReturnProbabilities = false);
