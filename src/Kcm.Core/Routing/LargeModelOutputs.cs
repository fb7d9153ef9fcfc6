using Kcm.Core.Distillation;

namespace Kcm.Core.Routing;

/// <summary>
/// What the large model said about the rows judges train on: whether it is right on each seed-training and validation
/// row, and its probabilities on a set of (scaled) rows as teacher records for the large-distilled judge.
/// </summary>
public sealed record LargeModelOutputs(bool[] SeedTrainCorrect, bool[] ValidationCorrect, IReadOnlyList<TeacherRecord> Teacher);
