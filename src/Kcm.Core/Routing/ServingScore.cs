namespace Kcm.Core.Routing;

/// <summary>The per-row score a serving threshold is compared with (<see cref="ServingScores.Of"/>).</summary>
public enum ServingScore
{
    /// <summary>C = the judge's max softmax (the paper's rule).</summary>
    JudgeMaxSoftmax = 0,

    /// <summary>The judge's probability of the small model's answer: low where the judge disagrees with the small model (the evaluation's *-agreement routers).</summary>
    JudgeAgreement = 1,

    /// <summary>The mean of the judge's and the small model's probabilities of the small model's answer (the evaluation's *-ensemble routers).</summary>
    Ensemble = 2,
}
