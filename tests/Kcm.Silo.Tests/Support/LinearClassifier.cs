using Kcm.Core.Models;

namespace Kcm.Silo.Tests.Support;

/// <summary>A fixed-weight linear classifier (logits = x W + b) whose behaviour tests can predict exactly.</summary>
internal sealed class LinearClassifier : IClassifier
{
    public LinearClassifier(int inputSize, int classCount, float[] weights, float[] bias)
    {
        if (weights.Length != inputSize * classCount || bias.Length != classCount)
        {
            throw new ArgumentException("Weights must be inputSize x classCount and bias classCount long.");
        }

        InputSize = inputSize;
        ClassCount = classCount;
        Weights = weights;
        Bias = bias;
    }

    public int InputSize { get; }

    public int ClassCount { get; }

    /// <summary>Row-major inputSize x classCount.</summary>
    public float[] Weights { get; }

    public float[] Bias { get; }

    public void Logits(ReadOnlySpan<float> inputs, int batchSize, Span<float> logits)
    {
        for (var n = 0; n < batchSize; n++)
        {
            var x = inputs.Slice(n * InputSize, InputSize);
            var y = logits.Slice(n * ClassCount, ClassCount);
            Bias.CopyTo(y);
            for (var i = 0; i < InputSize; i++)
            {
                for (var c = 0; c < ClassCount; c++)
                {
                    y[c] += x[i] * Weights[(i * ClassCount) + c];
                }
            }
        }
    }
}
