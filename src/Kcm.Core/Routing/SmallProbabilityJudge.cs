using System.Buffers;
using Kcm.Core.Data;
using Kcm.Core.Models;

namespace Kcm.Core.Routing;

/// <summary>
/// A judge that also sees the small model's output: each row x becomes [x, softmax(small(x))] before the judge runs,
/// so the judge (InputSize = features + classes of the small model) can learn where the small model's own
/// confidence misleads. As an <see cref="IClassifier"/> it takes the plain features. Thread-safe; scratch is pooled.
/// </summary>
public sealed class SmallProbabilityJudge : IClassifier
{
    private const int Chunk = 256;

    private readonly IClassifier _small;
    private readonly IClassifier _judge;

    public SmallProbabilityJudge(IClassifier small, IClassifier judge)
    {
        ArgumentNullException.ThrowIfNull(small);
        ArgumentNullException.ThrowIfNull(judge);
        if (judge.InputSize != small.InputSize + small.ClassCount)
        {
            throw new ArgumentException(
                $"The judge takes {judge.InputSize} inputs; features plus the small model's probabilities are {small.InputSize} + {small.ClassCount}.", nameof(judge));
        }

        _small = small;
        _judge = judge;
    }

    public int InputSize => _small.InputSize;

    public int ClassCount => _judge.ClassCount;

    /// <summary>The judge that reads the augmented rows.</summary>
    public IClassifier Judge => _judge;

    /// <summary>Rows [x, small probabilities] of <paramref name="data"/> from per-row probabilities (rows x classes), e.g. out-of-fold ones for training.</summary>
    public static Dataset Augment(Dataset data, ReadOnlySpan<float> smallProbabilities, int smallClasses)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (smallProbabilities.Length != data.Count * smallClasses)
        {
            throw new ArgumentException($"Need {data.Count} x {smallClasses} probabilities, have {smallProbabilities.Length}.", nameof(smallProbabilities));
        }

        var width = data.FeatureCount + smallClasses;
        var features = new float[data.Count * width];
        for (var r = 0; r < data.Count; r++)
        {
            data.Row(r).CopyTo(features.AsSpan(r * width));
            smallProbabilities.Slice(r * smallClasses, smallClasses).CopyTo(features.AsSpan((r * width) + data.FeatureCount));
        }

        return new Dataset(features, data.Labels, width, data.ClassCount);
    }

    public void Logits(ReadOnlySpan<float> inputs, int batchSize, Span<float> logits)
    {
        var features = InputSize;
        var classes = _small.ClassCount;
        var width = features + classes;
        var rows = Math.Min(batchSize, Chunk);
        var augmented = ArrayPool<float>.Shared.Rent(Math.Max(1, rows * width));
        var probabilities = ArrayPool<float>.Shared.Rent(Math.Max(1, rows * classes));
        try
        {
            for (var start = 0; start < batchSize; start += Chunk)
            {
                var count = Math.Min(Chunk, batchSize - start);
                var slice = inputs.Slice(start * features, count * features);
                _small.Probabilities(slice, count, probabilities);
                for (var r = 0; r < count; r++)
                {
                    slice.Slice(r * features, features).CopyTo(augmented.AsSpan(r * width));
                    probabilities.AsSpan(r * classes, classes).CopyTo(augmented.AsSpan((r * width) + features));
                }

                _judge.Logits(augmented.AsSpan(0, count * width), count, logits.Slice(start * ClassCount, count * ClassCount));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(augmented);
            ArrayPool<float>.Shared.Return(probabilities);
        }
    }
}
