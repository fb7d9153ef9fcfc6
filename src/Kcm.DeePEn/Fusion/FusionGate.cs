using System.Numerics.Tensors;

namespace Kcm.DeePEn.Fusion;

/// <summary>
/// Gated fusion: fuse only at steps where the main model is unsure (its top probability is below a threshold);
/// otherwise its own argmax is taken and the fusion and the assistants' work are skipped.
/// </summary>
public static class FusionGate
{
    /// <summary>Default threshold on the main model's top probability.</summary>
    public const float DefaultThreshold = 0.5f;

    /// <summary>max softmax(z) = 1 / sum_v exp(z_v - max z), computed without a buffer.</summary>
    public static float TopProbability(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty)
        {
            throw new ArgumentException("No logits.", nameof(logits));
        }

        var max = TensorPrimitives.Max(logits);
        var sum = 0f;
        foreach (var value in logits)
        {
            sum += MathF.Exp(value - max);
        }

        return 1f / sum;
    }

    /// <summary>Throws unless <paramref name="threshold"/> is unset (always fuse) or in (0, 1].</summary>
    public static void CheckThreshold(float? threshold, string parameterName)
    {
        if (threshold is { } value && !(value is > 0f and <= 1f))
        {
            throw new ArgumentOutOfRangeException(parameterName, value, "The gate threshold must be in (0, 1].");
        }
    }

    /// <summary>True when the main model's top probability is below <paramref name="threshold"/>.</summary>
    public static bool ShouldFuse(ReadOnlySpan<float> mainLogits, float threshold) => TopProbability(mainLogits) < threshold;
}
