namespace Kcm.Abstractions.Classification;

/// <summary>The large model's answer to a <see cref="LargeModelBatch"/>.</summary>
/// <param name="Status">Completed, or why no row was answered.</param>
/// <param name="Probabilities">Rows x classes when completed; else empty.</param>
/// <param name="HintApplied">Whether the model read the hints.</param>
/// <param name="FailedRow">For <see cref="ClassifyStatus.NonFiniteOutput"/>: the row whose output was not finite; else -1.</param>
[GenerateSerializer, Immutable, Alias("kcm.large-answer")]
public sealed record LargeModelAnswer(ClassifyStatus Status, float[] Probabilities, bool HintApplied, int FailedRow = -1);
