using System.Buffers;
using Kcm.Core.Models;
using Kcm.Core.Numerics;

namespace Kcm.Core.Routing;

/// <summary>
/// C_x = P(the small model is right) from a two-class classifier trained on the small model's correctness
/// (class 1 = right, class 0 = wrong): the "small model will be wrong" judge.
/// </summary>
public sealed class CorrectnessScorer : IConfidenceScorer
{
    /// <summary>The label for "the small model answered correctly".</summary>
    public const int CorrectClass = 1;

    private const int Chunk = 256;

    private readonly IClassifier _classifier;

    public CorrectnessScorer(IClassifier classifier)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        if (classifier.ClassCount != 2)
        {
            throw new ArgumentException($"A correctness judge has two classes (wrong, right); this one has {classifier.ClassCount}.", nameof(classifier));
        }

        _classifier = classifier;
    }

    public int InputSize => _classifier.InputSize;

    public void Score(ReadOnlySpan<float> inputs, int batchSize, Span<float> scores)
    {
        var logits = ArrayPool<float>.Shared.Rent(Math.Min(batchSize, Chunk) * 2);
        try
        {
            Span<float> probabilities = stackalloc float[2];
            for (var start = 0; start < batchSize; start += Chunk)
            {
                var rows = Math.Min(Chunk, batchSize - start);
                _classifier.Logits(inputs.Slice(start * InputSize, rows * InputSize), rows, logits);
                for (var r = 0; r < rows; r++)
                {
                    Softmax.Apply(logits.AsSpan(r * 2, 2), probabilities);
                    scores[start + r] = probabilities[CorrectClass];
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(logits);
        }
    }
}
