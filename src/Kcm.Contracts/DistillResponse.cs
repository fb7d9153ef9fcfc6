namespace Kcm.Contracts;

/// <summary>Outcome of a distillation round started by <c>POST /v1/models/{model}/distill</c>.</summary>
/// <param name="Model">The model distilled.</param>
/// <param name="Promoted">Whether the candidate became the current small model.</param>
/// <param name="CurrentVersion">The small model version current after the round.</param>
/// <param name="CandidateVersion">The version number given to the candidate, or null when no candidate was trained.</param>
/// <param name="SampleCount">How many large-model outputs the round trained on.</param>
/// <param name="CandidateCheckAccuracy">The candidate's accuracy on the check set, when trained.</param>
/// <param name="IncumbentCheckAccuracy">The incumbent's accuracy on the check set.</param>
/// <param name="Detail">Why the round ended as it did, for people.</param>
/// <param name="JudgeVersion">The judge version the round made current, or null when the judge was not replaced.</param>
/// <param name="JudgeDetail">What became of the judge's candidate, or null when the judge is not distilled.</param>
public sealed record DistillResponse(
    string Model,
    bool Promoted,
    int CurrentVersion,
    int? CandidateVersion,
    int SampleCount,
    double? CandidateCheckAccuracy,
    double? IncumbentCheckAccuracy,
    string Detail,
    int? JudgeVersion = null,
    string? JudgeDetail = null);
