using System.Buffers;
using Kcm.Core.Data;
using Kcm.Core.Models;
using Kcm.Core.Routing;

namespace Kcm.Evaluation;

/// <summary>Batched, chunk-parallel passes of a classifier or scorer over a whole data set.</summary>
public static class ClassifierRuns
{
    private const int Chunk = 256;

    /// <summary>Whether each row's argmax equals its label.</summary>
    public static bool[] Correct(IClassifier classifier, Dataset data, int threads)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(data);
        var correct = new bool[data.Count];
        var classes = classifier.ClassCount;
        ForChunks(data, threads, (start, rows) =>
        {
            var logits = ArrayPool<float>.Shared.Rent(rows * classes);
            try
            {
                classifier.Logits(data.Features.AsSpan(start * data.FeatureCount, rows * data.FeatureCount), rows, logits);
                for (var r = 0; r < rows; r++)
                {
                    correct[start + r] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits.AsSpan(r * classes, classes)) == data.Labels[start + r];
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(logits);
            }
        });
        return correct;
    }

    /// <summary>The scorer's C_x for each row.</summary>
    public static float[] Scores(IConfidenceScorer scorer, Dataset data, int threads)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(data);
        var scores = new float[data.Count];
        ForChunks(data, threads, (start, rows) =>
            scorer.Score(data.Features.AsSpan(start * data.FeatureCount, rows * data.FeatureCount), rows, scores.AsSpan(start, rows)));
        return scores;
    }

    /// <summary>The fraction of true values.</summary>
    public static double Fraction(ReadOnlySpan<bool> values)
    {
        if (values.IsEmpty)
        {
            return 0;
        }

        var count = 0;
        foreach (var value in values)
        {
            count += value ? 1 : 0;
        }

        return (double)count / values.Length;
    }

    private static void ForChunks(Dataset data, int threads, Action<int, int> body)
    {
        var chunks = (data.Count + Chunk - 1) / Chunk;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, chunk =>
        {
            var start = chunk * Chunk;
            body(start, Math.Min(Chunk, data.Count - start));
        });
    }
}
