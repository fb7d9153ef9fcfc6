using System.Numerics.Tensors;

namespace Kcm.DeePEn.Fusion;

/// <summary>
/// A model's relative representation R (|V| x |A|, row-major float32, allocated once): row v is
/// softmax(scale * c_v / ||c_v||) where c_v[a] = cos(E[v], E[anchor a]). Each row is a distribution over anchors,
/// so p R maps a next-token distribution p over the model's vocabulary into the shared anchor space.
/// </summary>
public sealed unsafe class RelativeRepresentation : IRelativeMatrix
{
    /// <summary>The reference implementation's sharpening factor.</summary>
    public const float DefaultScale = 100f;

    private const int RowsPerTask = 64;

    // On the pinned object heap, so the shared pointer kernel (DenseRows) can read it in place.
    private readonly float[] _values;
    private readonly DenseRows _rows;

    private RelativeRepresentation(float[] values, int vocabularySize, int anchorCount)
    {
        _values = values;
        _rows = new DenseRows((float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(values)), vocabularySize, anchorCount);
        VocabularySize = vocabularySize;
        AnchorCount = anchorCount;
    }

    public int VocabularySize { get; }

    public int AnchorCount { get; }

    /// <summary>Bytes held by the matrix.</summary>
    public long Bytes => (long)_values.Length * sizeof(float);

    public ReadOnlySpan<float> Row(int token) => _values.AsSpan(token * AnchorCount, AnchorCount);

    /// <summary>Builds R from the embedding matrix and this model's anchor ids; rows are computed in parallel.</summary>
    public static RelativeRepresentation Build(EmbeddingMatrix embeddings, ReadOnlySpan<int> anchorIds, float scale = DefaultScale, int maxDegreeOfParallelism = -1)
    {
        var formula = new EmbeddingRelativeRows(embeddings, anchorIds, scale);
        var rows = formula.VocabularySize;
        var anchors = formula.AnchorCount;
        var values = GC.AllocateUninitializedArray<float>(checked(rows * anchors), pinned: true);
        var blocks = (rows + RowsPerTask - 1) / RowsPerTask;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, block =>
        {
            var end = Math.Min(rows, (block + 1) * RowsPerTask);
            for (var v = block * RowsPerTask; v < end; v++)
            {
                formula.FillRow(v, values.AsSpan(v * anchors, anchors));
            }
        });

        return new RelativeRepresentation(values, rows, anchors);
    }

    /// <summary>target += scale * R[token].</summary>
    public void AccumulateRow(int token, float scale, Span<float> target)
    {
        CheckLengths(VocabularySize, target.Length);
        TensorPrimitives.MultiplyAdd(Row(token), scale, target, target);
    }

    /// <summary>target += weight * (p R): adds the image of a distribution over this vocabulary in anchor space.</summary>
    public void AccumulateProjection(ReadOnlySpan<float> distribution, float weight, Span<float> target)
    {
        CheckLengths(distribution.Length, target.Length);
        _rows.AccumulateProjection(distribution, weight, target);
    }

    /// <summary>relative = q R.</summary>
    public void Project(ReadOnlySpan<float> distribution, Span<float> relative)
    {
        relative.Clear();
        AccumulateProjection(distribution, 1f, relative);
    }

    /// <summary>result = R g: for each token v, the dot product of its row with an anchor-space vector g.</summary>
    public void MultiplyTransposed(ReadOnlySpan<float> anchorVector, Span<float> result)
    {
        CheckLengths(result.Length, anchorVector.Length);
        _rows.MultiplyTransposed(anchorVector, result);
    }

    private void CheckLengths(int vocabularyLength, int anchorLength) => RelativeMatrixShape.Check(this, vocabularyLength, anchorLength);
}
