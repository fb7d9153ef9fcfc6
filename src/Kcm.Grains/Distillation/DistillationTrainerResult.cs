using Kcm.Core.Models;

namespace Kcm.Grains.Distillation;

/// <summary>What a trainer made of one round: the candidate, whether it passed the acceptance guard, and why.</summary>
/// <param name="Candidate">The trained candidate, or null when none was trained (e.g. no usable records).</param>
/// <param name="Accepted">Whether the candidate passed the guard (does not lose check-set accuracy beyond tolerance).</param>
/// <param name="Reason">Why, for people.</param>
/// <param name="IncumbentCheckAccuracy">The serving model's check-set accuracy.</param>
/// <param name="CandidateCheckAccuracy">The candidate's check-set accuracy, when trained.</param>
public sealed record DistillationTrainerResult(
    IClassifier? Candidate, bool Accepted, string Reason, double? IncumbentCheckAccuracy, double? CandidateCheckAccuracy);
