using System.Numerics.Tensors;

namespace Kcm.DeePEn.Fusion;

/// <summary>
/// The inverse search's objective and its gradient, written out by hand. With q = softmax(z) and s = q R:
/// L(z) = KL(r || s) = sum_a r_a (ln r_a - ln s_a);
/// dL/ds_a = g_a = -r_a / s_a; dL/dq = h = R g; dL/dz_v = q_v (h_v - sum_u q_u h_u).
/// </summary>
public static class RelativeKl
{
    /// <summary>Floor for s_a so a target mass on an anchor the model gives (numerically) nothing stays finite.</summary>
    public const float MinimumProbability = 1e-12f;

    /// <summary>KL(target || softmax(logits) R), no gradient. <paramref name="probabilities"/> (|V|) and <paramref name="relative"/> (|A|) are scratch.</summary>
    public static double Loss(IRelativeMatrix representation, ReadOnlySpan<float> target, ReadOnlySpan<float> logits, Span<float> probabilities, Span<float> relative)
    {
        ArgumentNullException.ThrowIfNull(representation);
        TensorPrimitives.SoftMax(logits, probabilities);
        representation.Project(probabilities, relative);
        return Divergence(target, relative);
    }

    /// <summary>
    /// KL(target || softmax(logits) R) and its gradient with respect to the logits, without allocating.
    /// <paramref name="probabilities"/> (|V|) and <paramref name="relative"/> (|A|) are scratch.
    /// </summary>
    public static double LossAndGradient(IRelativeMatrix representation, ReadOnlySpan<float> target, ReadOnlySpan<float> logits, Span<float> gradient, Span<float> probabilities, Span<float> relative)
    {
        var loss = Loss(representation, target, logits, probabilities, relative);
        // g_a = 1 - r_a / s_a instead of -r_a / s_a: rows of R sum to 1, so the added constant shifts every h_v by
        // exactly 1 and cancels in h_v - mean, while near the optimum (s ~ r) g stays small instead of ~ -1.
        for (var a = 0; a < relative.Length; a++)
        {
            relative[a] = 1f - (target[a] / MathF.Max(relative[a], MinimumProbability));
        }

        representation.MultiplyTransposed(relative, gradient);
        // With this g the mean is sum_a s_a g_a = 1 - sum_a r_a = 0 up to rounding and the floor; kept so the formula stays exact.
        var mean = TensorPrimitives.Dot(probabilities, gradient);
        TensorPrimitives.Subtract(gradient, mean, gradient);
        TensorPrimitives.Multiply(gradient, probabilities, gradient);
        return loss;
    }

    /// <summary>KL(target || relative), skipping anchors the target gives no mass.</summary>
    public static double Divergence(ReadOnlySpan<float> target, ReadOnlySpan<float> relative)
    {
        double sum = 0;
        for (var a = 0; a < target.Length; a++)
        {
            if (target[a] > 0f)
            {
                sum += target[a] * (Math.Log(target[a]) - Math.Log(MathF.Max(relative[a], MinimumProbability)));
            }
        }

        return sum;
    }
}
