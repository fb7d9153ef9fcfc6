namespace Kcm.Abstractions.Classification;

/// <summary>Rows the judge sent to the large model.</summary>
/// <param name="Features">Rows x input size, row-major.</param>
/// <param name="Hints">Rows x classes: the small model's probabilities (ignored when the large model takes no hint).</param>
/// <param name="JudgeProbabilities">Rows x classes: the judge's probabilities, kept in the teacher records.</param>
/// <param name="Rows">Samples (at least 1).</param>
[GenerateSerializer, Immutable, Alias("kcm.large-batch")]
public sealed record LargeModelBatch(float[] Features, float[] Hints, float[] JudgeProbabilities, int Rows);
