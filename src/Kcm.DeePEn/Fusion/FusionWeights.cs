namespace Kcm.DeePEn.Fusion;

/// <summary>The ensemble weights w_i of r = sum_i w_i p_i R_i.</summary>
public static class FusionWeights
{
    /// <summary>DeePEn-Avg: w_i = 1/N.</summary>
    public static float[] Average(int modelCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(modelCount);
        var weights = new float[modelCount];
        Array.Fill(weights, 1f / modelCount);
        return weights;
    }

    /// <summary>DeePEn-Adapt: w_i proportional to each model's score on a development set (scores must be non-negative, not all zero).</summary>
    public static float[] Adaptive(IReadOnlyList<double> developmentScores)
    {
        ArgumentNullException.ThrowIfNull(developmentScores);
        if (developmentScores.Count == 0 || developmentScores.Any(s => !double.IsFinite(s) || s < 0) || developmentScores.Sum() <= 0)
        {
            throw new ArgumentException("Development scores must be finite, non-negative and not all zero.", nameof(developmentScores));
        }

        var total = developmentScores.Sum();
        return [.. developmentScores.Select(s => (float)(s / total))];
    }
}
