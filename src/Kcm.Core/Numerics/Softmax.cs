using System.Numerics.Tensors;

namespace Kcm.Core.Numerics;

/// <summary>Numerically stable softmax and log-softmax over one row, with an optional temperature.</summary>
public static class Softmax
{
    /// <summary>probabilities = softmax(logits / temperature); the maximum is subtracted first so large logits cannot overflow.</summary>
    public static void Apply(ReadOnlySpan<float> logits, Span<float> probabilities, float temperature = 1f)
    {
        CheckArguments(logits, probabilities, temperature);
        var max = TensorPrimitives.Max(logits);
        TensorPrimitives.Subtract(logits, max, probabilities);
        if (temperature != 1f)
        {
            TensorPrimitives.Divide(probabilities, temperature, probabilities);
        }

        TensorPrimitives.Exp(probabilities, probabilities);
        var sum = TensorPrimitives.Sum(probabilities);
        TensorPrimitives.Divide(probabilities, sum, probabilities);
    }

    /// <summary>logProbabilities = log softmax(logits / temperature), computed as z - max - log(sum exp(z - max)).</summary>
    public static void ApplyLog(ReadOnlySpan<float> logits, Span<float> logProbabilities, float temperature = 1f)
    {
        CheckArguments(logits, logProbabilities, temperature);
        var max = TensorPrimitives.Max(logits);
        TensorPrimitives.Subtract(logits, max, logProbabilities);
        if (temperature != 1f)
        {
            TensorPrimitives.Divide(logProbabilities, temperature, logProbabilities);
        }

        var sum = 0.0;
        foreach (var value in logProbabilities)
        {
            sum += Math.Exp(value);
        }

        TensorPrimitives.Subtract(logProbabilities, (float)Math.Log(sum), logProbabilities);
    }

    /// <summary>The confidence max softmax(logits) and its class, without writing the probabilities anywhere.</summary>
    public static (int Class, float Confidence) MaxProbability(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty)
        {
            throw new ArgumentException("No logits.", nameof(logits));
        }

        var best = TensorPrimitives.IndexOfMax(logits);
        var max = logits[best];
        var sum = 0.0;
        foreach (var value in logits)
        {
            sum += Math.Exp(value - max);
        }

        // exp(max - max) / sum: the largest probability.
        return (best, (float)(1.0 / sum));
    }

    private static void CheckArguments(ReadOnlySpan<float> logits, Span<float> destination, float temperature)
    {
        if (logits.IsEmpty || destination.Length != logits.Length)
        {
            throw new ArgumentException($"Destination has {destination.Length} values for {logits.Length} logits.", nameof(destination));
        }

        if (!(temperature > 0f) || float.IsInfinity(temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "Temperature must be a positive finite number.");
        }
    }
}
