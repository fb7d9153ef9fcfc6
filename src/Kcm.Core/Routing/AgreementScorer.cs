using System.Buffers;
using Kcm.Core.Models;

namespace Kcm.Core.Routing;

/// <summary>
/// How likely the small model's answer y = argmax small(x) is right: according to the judge
/// (<see cref="ServingScore.JudgeAgreement"/>, P_judge(y)) or to the average of the two models
/// (<see cref="ServingScore.Ensemble"/>). A judge distilled from the large model then estimates whether the large model
/// would give the same answer, which is what routing needs to know. The formula is the serving one
/// (<see cref="ServingScores"/>), so the evaluation measures what a silo routes by.
/// </summary>
public sealed class AgreementScorer : IConfidenceScorer
{
    private const int Chunk = 256;

    private readonly IClassifier _small;
    private readonly IClassifier _judge;
    private readonly ServingScore _score;

    public AgreementScorer(IClassifier small, IClassifier judge, ServingScore score)
    {
        ArgumentNullException.ThrowIfNull(small);
        ArgumentNullException.ThrowIfNull(judge);
        if (judge.InputSize != small.InputSize || judge.ClassCount != small.ClassCount)
        {
            throw new ArgumentException($"The judge ({judge.InputSize} -> {judge.ClassCount}) must read and answer like the small model ({small.InputSize} -> {small.ClassCount}).", nameof(judge));
        }

        if (score is not (ServingScore.JudgeAgreement or ServingScore.Ensemble))
        {
            throw new ArgumentOutOfRangeException(nameof(score), score, "An agreement scorer scores the small model's answer: JudgeAgreement or Ensemble.");
        }

        _small = small;
        _judge = judge;
        _score = score;
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
                    scores[start + r] = ServingScores.Of(_score, judge.AsSpan(r * classes, classes), small.AsSpan(r * classes, classes));
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
