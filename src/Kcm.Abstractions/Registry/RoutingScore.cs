namespace Kcm.Abstractions.Registry;

/// <summary>
/// What a serving version's threshold is compared with, per row. The threshold is calibrated for one score, so the
/// score travels with it in the version: every silo routes a version by the score it was calibrated for.
/// </summary>
[GenerateSerializer]
public enum RoutingScore
{
    /// <summary>C = the judge's max softmax (the paper's rule; the default).</summary>
    JudgeMaxSoftmax = 0,

    /// <summary>The judge's probability of the small model's answer: low where the judge disagrees with the small model.</summary>
    JudgeAgreement = 1,

    /// <summary>The mean of the judge's and the small model's probabilities of the small model's answer.</summary>
    Ensemble = 2,
}
