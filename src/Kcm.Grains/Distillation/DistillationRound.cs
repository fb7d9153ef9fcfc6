namespace Kcm.Grains.Distillation;

/// <summary>The result of one distillation round.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="CurrentVersion">The small model version serving after the round.</param>
/// <param name="CandidateVersion">The stored version of an accepted candidate, else null.</param>
/// <param name="SampleCount">Teacher records the round consumed.</param>
/// <param name="IncumbentCheckAccuracy">The incumbent's check-set accuracy, when measured.</param>
/// <param name="CandidateCheckAccuracy">The candidate's check-set accuracy, when trained.</param>
/// <param name="Detail">Why, for people.</param>
/// <param name="JudgeVersion">The judge version made current by this round, else null (judge not distilled, or its candidate rejected).</param>
/// <param name="JudgeDetail">What became of the judge's candidate, or null when the judge is not distilled.</param>
public sealed record DistillationRound(
    DistillationRoundOutcome Outcome,
    int CurrentVersion,
    int? CandidateVersion,
    int SampleCount,
    double? IncumbentCheckAccuracy,
    double? CandidateCheckAccuracy,
    string Detail,
    int? JudgeVersion = null,
    string? JudgeDetail = null);
