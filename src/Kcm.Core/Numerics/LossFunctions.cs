using System.Numerics.Tensors;

namespace Kcm.Core.Numerics;

/// <summary>
/// Per-sample losses on logits with their gradients with respect to the logits. Gradients are written (not added)
/// into a caller-owned span the length of the logits.
/// </summary>
public static class LossFunctions
{
    /// <summary>Cross-entropy -log softmax(logits)[label]; gradient = softmax(logits) - onehot(label).</summary>
    public static float CrossEntropy(ReadOnlySpan<float> logits, int label, Span<float> gradient)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(label);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(label, logits.Length);
        Softmax.ApplyLog(logits, gradient);
        var loss = -gradient[label];
        TensorPrimitives.Exp(gradient, gradient);
        gradient[label] -= 1f;
        return loss;
    }

    /// <summary>
    /// KL(target || softmax(logits / T)) = sum_i p_i (log p_i - log q_i), scaled by T² as in Hinton et al.'s
    /// distillation so its gradient size does not shrink with the temperature; gradient = T (q - p).
    /// <paramref name="target"/> must be a probability vector already at temperature T.
    /// </summary>
    public static float KlDivergence(
        ReadOnlySpan<float> target, ReadOnlySpan<float> logits, float temperature, Span<float> gradient)
    {
        if (target.Length != logits.Length)
        {
            throw new ArgumentException($"Target has {target.Length} values for {logits.Length} logits.", nameof(target));
        }

        Softmax.ApplyLog(logits, gradient, temperature);
        var loss = 0.0;
        for (var i = 0; i < target.Length; i++)
        {
            var p = target[i];
            if (p > 0f)
            {
                loss += p * (Math.Log(p) - gradient[i]);
            }
        }

        TensorPrimitives.Exp(gradient, gradient);
        TensorPrimitives.Subtract(gradient, target, gradient);
        TensorPrimitives.Multiply(gradient, temperature, gradient);
        return (float)(loss * temperature * temperature);
    }

    /// <summary>Rescales probabilities to temperature T: softmax(log p / T). Zero probabilities stay zero.</summary>
    public static void ApplyTemperature(ReadOnlySpan<float> probabilities, float temperature, Span<float> result)
    {
        if (result.Length != probabilities.Length)
        {
            throw new ArgumentException($"Result has {result.Length} values for {probabilities.Length} probabilities.", nameof(result));
        }

        var sum = 0.0;
        for (var i = 0; i < probabilities.Length; i++)
        {
            var p = probabilities[i];
            var scaled = p > 0f ? Math.Pow(p, 1.0 / temperature) : 0.0;
            result[i] = (float)scaled;
            sum += scaled;
        }

        if (!(sum > 0.0))
        {
            throw new ArgumentException("Probabilities sum to zero.", nameof(probabilities));
        }

        TensorPrimitives.Divide(result, (float)sum, result);
    }
}
