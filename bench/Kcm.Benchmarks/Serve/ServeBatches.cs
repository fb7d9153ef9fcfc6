using Kcm.Core.Data;

namespace Kcm.Benchmarks.Serve;

/// <summary>
/// A dataset cut once into the arrays the calls send: a batch's features are owned by its message and never changed,
/// so they are made before the clock starts and reused by every measurement, on both paths.
/// </summary>
internal sealed class ServeBatches
{
    private ServeBatches(Dataset data, float[][] batches, int batchSize)
    {
        Data = data;
        Batches = batches;
        BatchSize = batchSize;
    }

    /// <summary>The samples and their labels.</summary>
    public Dataset Data { get; }

    /// <summary>Features of each batch, row after row.</summary>
    public float[][] Batches { get; }

    /// <summary>Samples per batch (the last may hold fewer).</summary>
    public int BatchSize { get; }

    public static ServeBatches Cut(Dataset data, int batchSize)
    {
        var count = (data.Count + batchSize - 1) / batchSize;
        var batches = new float[count][];
        for (var b = 0; b < count; b++)
        {
            var first = b * batchSize;
            var rows = Math.Min(batchSize, data.Count - first);
            batches[b] = data.Features.AsSpan(first * data.FeatureCount, rows * data.FeatureCount).ToArray();
        }

        return new ServeBatches(data, batches, batchSize);
    }

    /// <summary>Rows of batch <paramref name="batch"/>.</summary>
    public int RowsOf(int batch) => Batches[batch].Length / Data.FeatureCount;
}
