using System.Buffers;
using System.Numerics.Tensors;
using Kcm.Core.Models;
using Kcm.Core.Numerics;

namespace Kcm.Core.Routing;

/// <summary>
/// C_x = w P_small(y) + (1 - w) P_judge(y) for the small model's answer y = argmax small(x): how likely the small
/// model's answer is right according to the judge (w = 0: the judge's agreement with the small model) or to the
/// average of the two models (w = 0.5). A judge distilled from the large model then estimates whether the large model
/// would give the same answer, which is what routing needs to know.
/// </summary>
public sealed class AgreementScorer : IConfidenceScorer
{
    private const int Chunk = 256;

    private readonly IClassifier _small;
    private readonly IClassifier _judge;
    private readonly float _smallWeight;

    public AgreementScorer(IClassifier small, IClassifier judge, float smallWeight)
    {
        ArgumentNullException.ThrowIfNull(small);
        ArgumentNullException.ThrowIfNull(judge);
        if (judge.InputSize != small.InputSize || judge.ClassCount != small.ClassCount)
        {
            throw new ArgumentException($"The judge ({judge.InputSize} -> {judge.ClassCount}) must read and answer like the small model ({small.InputSize} -> {small.ClassCount}).", nameof(judge));
        }

        if (!(smallWeight >= 0f && smallWeight <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(smallWeight), smallWeight, "The small model's weight must be in [0, 1].");
        }

        _small = small;
        _judge = judge;
        _smallWeight = smallWeight;
    }

    public int InputSize => _small.InputSize;

    public void Score(ReadOnlySpan<float> inputs, int batchSize, Span<float> scores)
    {
        var classes = _small.ClassCount;
        var rows = Math.Min(batchSize, Chunk);
        var small = ArrayPool<float>.Shared.Rent(Math.Max(1, rows * classes));
        var judge = ArrayPool<float>.Shared.Rent(Math.Max(1, rows * classes));
        try
        {
            for (var start = 0; start < batchSize; start += Chunk)
            {
                var count = Math.Min(Chunk, batchSize - start);
                var slice = inputs.Slice(start * InputSize, count * InputSize);
                _small.Probabilities(slice, count, small);
                _judge.Probabilities(slice, count, judge);
                for (var r = 0; r < count; r++)
                {
                    var smallRow = small.AsSpan(r * classes, classes);
                    var answer = TensorPrimitives.IndexOfMax(smallRow);
                    scores[start + r] = (_smallWeight * smallRow[answer]) + ((1f - _smallWeight) * judge[(r * classes) + answer]);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(small);
            ArrayPool<float>.Shared.Return(judge);
        }
    }
}
