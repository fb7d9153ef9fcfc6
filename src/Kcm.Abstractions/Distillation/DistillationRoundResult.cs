namespace Kcm.Abstractions.Distillation;

/// <summary>What a distillation round did.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="ServingVersion">The serving version after the round.</param>
/// <param name="SmallVersion">The small model version serving after the round.</param>
/// <param name="CandidateVersion">The candidate's stored version, or null when none was stored.</param>
/// <param name="SampleCount">Teacher records trained on.</param>
/// <param name="CandidateCheckAccuracy">The candidate's check accuracy, when trained.</param>
/// <param name="IncumbentCheckAccuracy">The incumbent's check accuracy.</param>
/// <param name="Detail">Why it ended as it did, for people.</param>
/// <param name="JudgeVersion">The judge version made current, or null when the judge was not replaced.</param>
/// <param name="JudgeDetail">What became of the judge's candidate, or null when the judge is not distilled.</param>
[GenerateSerializer, Immutable, Alias("kcm.distillation-round")]
public sealed record DistillationRoundResult(
    DistillationOutcome Outcome,
    int ServingVersion,
    int SmallVersion,
    int? CandidateVersion,
    int SampleCount,
    double? CandidateCheckAccuracy,
    double? IncumbentCheckAccuracy,
    string Detail,
    int? JudgeVersion,
    string? JudgeDetail);
