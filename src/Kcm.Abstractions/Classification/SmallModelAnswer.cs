namespace Kcm.Abstractions.Classification;

/// <summary>The small model's answer: rows x classes probabilities and the version that made them.</summary>
/// <param name="Probabilities">Rows x classes, row-major.</param>
/// <param name="Version">The small model version that answered.</param>
/// <param name="Status">Completed, or why not (not ready, invalid input).</param>
[GenerateSerializer, Immutable, Alias("kcm.small-answer")]
public sealed record SmallModelAnswer(float[] Probabilities, int Version, ClassifyStatus Status = ClassifyStatus.Completed);
