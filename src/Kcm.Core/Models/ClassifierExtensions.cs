using System.Buffers;
using Kcm.Core.Data;
using Kcm.Core.Numerics;

namespace Kcm.Core.Models;

/// <summary>Probabilities, confidence and accuracy on top of any <see cref="IClassifier"/>.</summary>
public static class ClassifierExtensions
{
    private const int EvaluationChunk = 256;

    /// <summary>Writes softmax probabilities (batch x ClassCount).</summary>
    public static void Probabilities(this IClassifier classifier, ReadOnlySpan<float> inputs, int batchSize, Span<float> probabilities)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        var classes = classifier.ClassCount;
        classifier.Logits(inputs, batchSize, probabilities);
        for (var b = 0; b < batchSize; b++)
        {
            var row = probabilities.Slice(b * classes, classes);
            Softmax.Apply(row, row);
        }
    }

    /// <summary>The predicted class and the confidence max softmax(logits) of one sample (the judge's C_x).</summary>
    public static (int Class, float Confidence) Predict(this IClassifier classifier, ReadOnlySpan<float> input)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        Span<float> logits = classifier.ClassCount <= 256 ? stackalloc float[classifier.ClassCount] : new float[classifier.ClassCount];
        classifier.Logits(input, 1, logits);
        return Softmax.MaxProbability(logits);
    }

    /// <summary>
    /// The fraction of <paramref name="data"/> classified correctly. Work is split into fixed chunks of 256 rows run
    /// on up to <paramref name="threads"/> threads; the count does not depend on the split.
    /// </summary>
    public static double Accuracy(this IClassifier classifier, Dataset data, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (data.FeatureCount != classifier.InputSize)
        {
            throw new ArgumentException($"Data has {data.FeatureCount} features; the classifier takes {classifier.InputSize}.", nameof(data));
        }

        if (data.Count == 0)
        {
            return 0.0;
        }

        var chunks = (data.Count + EvaluationChunk - 1) / EvaluationChunk;
        var correct = new int[chunks];
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, chunk =>
        {
            var start = chunk * EvaluationChunk;
            var rows = Math.Min(EvaluationChunk, data.Count - start);
            var classes = classifier.ClassCount;
            var logits = ArrayPool<float>.Shared.Rent(rows * classes);
            try
            {
                classifier.Logits(data.Features.AsSpan(start * data.FeatureCount, rows * data.FeatureCount), rows, logits);
                var count = 0;
                for (var r = 0; r < rows; r++)
                {
                    if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits.AsSpan(r * classes, classes)) == data.Labels[start + r])
                    {
                        count++;
                    }
                }

                correct[chunk] = count;
            }
            finally
            {
                ArrayPool<float>.Shared.Return(logits);
            }
        });

        var total = 0;
        foreach (var count in correct)
        {
            total += count;
        }

        return (double)total / data.Count;
    }
}
