using System.Numerics.Tensors;

namespace Kcm.Core.Routing;

/// <summary>
/// The per-row score a serving threshold is compared with, from the judge's and the small model's probabilities of
/// the row. One formula for the judge grain and the calibrator, so a threshold routes as it was calibrated.
/// </summary>
public static class ServingScores
{
    /// <summary>
    /// <paramref name="score"/> for one row. A non-finite judge row gives a non-finite score (the routing rule sends such
    /// a row to the large model); the caller sends a row whose small-model answer is not finite there too.
    /// </summary>
    public static float Of(ServingScore score, ReadOnlySpan<float> judgeProbabilities, ReadOnlySpan<float> smallProbabilities) => score switch
    {
        ServingScore.JudgeMaxSoftmax => TensorPrimitives.Max(judgeProbabilities),
        ServingScore.JudgeAgreement => judgeProbabilities[TensorPrimitives.IndexOfMax(smallProbabilities)],
        ServingScore.Ensemble => Ensemble(judgeProbabilities, smallProbabilities),
        _ => throw new ArgumentOutOfRangeException(nameof(score), score, "Not a serving score."),
    };

    private static float Ensemble(ReadOnlySpan<float> judge, ReadOnlySpan<float> small)
    {
        var answer = TensorPrimitives.IndexOfMax(small);
        return 0.5f * (judge[answer] + small[answer]);
    }
}
