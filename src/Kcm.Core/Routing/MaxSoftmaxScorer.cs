using System.Buffers;
using Kcm.Core.Models;
using Kcm.Core.Numerics;

namespace Kcm.Core.Routing;

/// <summary>
/// C_x = max softmax(logits / T) of a classifier: the KAN judge's (or MLP judge's) confidence in its own prediction, or
/// the small model's confidence in itself when given the small model. T = 1 unless a temperature was fitted
/// (<see cref="TemperatureScaling"/>); T changes both the values (what epsilon means) and, mildly, the order.
/// </summary>
public sealed class MaxSoftmaxScorer(IClassifier classifier, float temperature = 1f) : IConfidenceScorer
{
    private const int Chunk = 256;

    private readonly IClassifier _classifier = classifier ?? throw new ArgumentNullException(nameof(classifier));
    private readonly float _inverseTemperature = temperature > 0f && float.IsFinite(temperature)
        ? 1f / temperature
        : throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be a positive finite number.");

    /// <summary>T: logits are divided by it before the softmax.</summary>
    public float Temperature => 1f / _inverseTemperature;

    public int InputSize => _classifier.InputSize;

    public void Score(ReadOnlySpan<float> inputs, int batchSize, Span<float> scores)
    {
        var classes = _classifier.ClassCount;
        var logits = ArrayPool<float>.Shared.Rent(Math.Min(batchSize, Chunk) * classes);
        try
        {
            for (var start = 0; start < batchSize; start += Chunk)
            {
                var rows = Math.Min(Chunk, batchSize - start);
                _classifier.Logits(inputs.Slice(start * InputSize, rows * InputSize), rows, logits);
                if (_inverseTemperature != 1f)
                {
                    System.Numerics.Tensors.TensorPrimitives.Multiply(logits.AsSpan(0, rows * classes), _inverseTemperature, logits.AsSpan(0, rows * classes));
                }

                for (var r = 0; r < rows; r++)
                {
                    scores[start + r] = Softmax.MaxProbability(logits.AsSpan(r * classes, classes)).Confidence;
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(logits);
        }
    }
}
