namespace Kcm.Core.Kan;

/// <summary>
/// B-spline basis functions of order k on a uniform grid of G intervals over [min, max], extended by k knots on
/// each side as in efficient KAN implementations, which gives G + k basis functions. At any x only k + 1 of them
/// are non-zero; they are computed with the Cox-de Boor recursion, which on a uniform grid has integer denominators.
/// </summary>
/// <remarks>
/// Inputs outside [min, max] are CLAMPED to the range: the spline continues as a constant beyond the grid and its
/// derivative there is zero (the layer's base branch w_b * SiLU(x) still responds to such inputs).
/// </remarks>
[System.Runtime.CompilerServices.SkipLocalsInit]
public static class BSplineBasis
{
    /// <summary>Largest supported order; bounds the stack scratch.</summary>
    public const int MaxOrder = 7;

    // 1 / j for the recursion's denominators: a multiply is several times cheaper than a divide on the hot path.
    private static ReadOnlySpan<float> Reciprocals => [0f, 1f, 1f / 2, 1f / 3, 1f / 4, 1f / 5, 1f / 6, 1f / 7];

    /// <summary>
    /// Writes the k + 1 non-zero basis values at x (and their derivatives d/dx, when <paramref name="derivatives"/>
    /// is not empty) and returns the index of the first of them among the G + k basis functions.
    /// </summary>
    public static int Evaluate(
        float x, int gridSize, int order, float min, float max, Span<float> values, Span<float> derivatives)
    {
        var h = (max - min) / gridSize;
        var clamped = false;
        if (!(x >= min))
        {
            // Also catches NaN, which then behaves as the lower edge rather than poisoning the whole batch.
            x = min;
            clamped = true;
        }
        else if (x > max)
        {
            x = max;
            clamped = true;
        }

        var position = (x - min) * (gridSize / (max - min));
        var interval = Math.Min((int)position, gridSize - 1);
        var u = position - interval;

        // Cox-de Boor (de Boor's "basis functions" algorithm) in grid units: left[j] = u + j - 1, right[j] = j - u,
        // and every denominator right[r + 1] + left[j - r] equals j.
        Span<float> n = stackalloc float[MaxOrder + 1];
        n[0] = 1f;
        for (var j = 1; j <= order; j++)
        {
            if (j == order && !derivatives.IsEmpty)
            {
                // dB_{i,k}/dx = (B_{i,k-1} - B_{i+1,k-1}) / h on a uniform grid; n holds the order k-1 values here.
                for (var m = 0; m <= order; m++)
                {
                    var lower = m >= 1 ? n[m - 1] : 0f;
                    var upper = m < order ? n[m] : 0f;
                    derivatives[m] = clamped ? 0f : (lower - upper) / h;
                }
            }

            var saved = 0f;
            var reciprocal = Reciprocals[j];
            for (var r = 0; r < j; r++)
            {
                var temp = n[r] * reciprocal;
                n[r] = saved + ((r + 1 - u) * temp);
                saved = (u + j - r - 1) * temp;
            }

            n[j] = saved;
        }

        if (order == 0 && !derivatives.IsEmpty)
        {
            derivatives[0] = 0f;
        }

        n[..(order + 1)].CopyTo(values);
        return interval;
    }
}
