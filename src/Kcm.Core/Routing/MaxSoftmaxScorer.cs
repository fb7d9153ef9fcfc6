using System.Buffers;
using Kcm.Core.Models;
using Kcm.Core.Numerics;

namespace Kcm.Core.Routing;

/// <summary>
/// C_x = max softmax(logits) of a classifier: the KAN judge's (or MLP judge's) confidence in its own prediction, or
/// the small model's confidence in itself when given the small model.
/// </summary>
public sealed class MaxSoftmaxScorer(IClassifier classifier) : IConfidenceScorer
{
    private const int Chunk = 256;

    private readonly IClassifier _classifier = classifier ?? throw new ArgumentNullException(nameof(classifier));

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
