namespace Kcm.Core.Distillation;

/// <summary>
/// One sample the large model answered: its features, the large model's class probabilities (at temperature 1), the
/// judge's probabilities when known and the true label when known. Arrays are never changed after creation.
/// </summary>
public sealed record TeacherRecord(float[] Features, float[] TeacherProbabilities, float[]? JudgeProbabilities, int? Label);
