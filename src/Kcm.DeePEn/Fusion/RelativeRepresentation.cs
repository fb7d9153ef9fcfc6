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
        ArgumentNullException.ThrowIfNull(embeddings);
        if (anchorIds.IsEmpty)
        {
            throw new ArgumentException("No anchors: the vocabularies share no token.", nameof(anchorIds));
        }

        if (!float.IsFinite(scale) || scale <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be a positive finite number.");
        }

        var rows = embeddings.Rows;
        var width = embeddings.Columns;
        var anchors = anchorIds.Length;
        var unit = UnitRows(embeddings);
        var anchorRows = new float[anchors * width];
        for (var a = 0; a < anchors; a++)
        {
            if ((uint)anchorIds[a] >= (uint)rows)
            {
                throw new ArgumentOutOfRangeException(nameof(anchorIds), anchorIds[a], $"Anchor id is outside the embedding matrix ({rows} rows).");
            }

            unit.AsSpan(anchorIds[a] * width, width).CopyTo(anchorRows.AsSpan(a * width, width));
        }

        var values = GC.AllocateUninitializedArray<float>(checked(rows * anchors), pinned: true);
        var blocks = (rows + RowsPerTask - 1) / RowsPerTask;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, block =>
        {
            var end = Math.Min(rows, (block + 1) * RowsPerTask);
            for (var v = block * RowsPerTask; v < end; v++)
            {
                var row = values.AsSpan(v * anchors, anchors);
                var embedding = new ReadOnlySpan<float>(unit, v * width, width);
                for (var a = 0; a < anchors; a++)
                {
                    row[a] = TensorPrimitives.Dot(embedding, new ReadOnlySpan<float>(anchorRows, a * width, width));
                }

                // Cosines, L2-normalised over the row, sharpened, then a softmax over anchors.
                var norm = TensorPrimitives.Norm(row);
                var factor = norm > 0 ? scale / norm : 0f;
                TensorPrimitives.Multiply(row, factor, row);
                TensorPrimitives.Subtract(row, TensorPrimitives.Max(row), row);
                TensorPrimitives.Exp(row, row);
                TensorPrimitives.Divide(row, TensorPrimitives.Sum(row), row);
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

    private static float[] UnitRows(EmbeddingMatrix embeddings)
    {
        var unit = (float[])embeddings.Values.Clone();
        for (var v = 0; v < embeddings.Rows; v++)
        {
            var row = unit.AsSpan(v * embeddings.Columns, embeddings.Columns);
            var norm = TensorPrimitives.Norm(row);
            if (norm > 0)
            {
                TensorPrimitives.Divide(row, norm, row);
            }
        }

        return unit;
    }
}
