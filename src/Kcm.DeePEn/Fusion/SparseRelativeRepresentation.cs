namespace Kcm.DeePEn.Fusion;

/// <summary>
/// R kept to its top-m anchors per row, renormalised to sum to 1 (the rows are sharply peaked after the x100 softmax,
/// so little mass is dropped). Stored CSR-like with a fixed row length m: row v's values and anchor indices are
/// entries [v m, (v + 1) m), so no row-offset array is needed.
/// </summary>
public sealed class SparseRelativeRepresentation : IRelativeMatrix
{
    /// <summary>Default anchors kept per row.</summary>
    public const int DefaultAnchorsPerRow = 32;

    private readonly float[] _values;
    private readonly int[] _anchors;

    private SparseRelativeRepresentation(float[] values, int[] anchors, int vocabularySize, int anchorCount, int anchorsPerRow, double meanRetainedMass)
    {
        MeanRetainedMass = meanRetainedMass;
        _values = values;
        _anchors = anchors;
        VocabularySize = vocabularySize;
        AnchorCount = anchorCount;
        AnchorsPerRow = anchorsPerRow;
    }

    public int VocabularySize { get; }

    public int AnchorCount { get; }

    /// <summary>m: stored entries per row (at most the anchor count).</summary>
    public int AnchorsPerRow { get; }

    /// <summary>The dense rows' mass on their kept anchors before renormalising, averaged over rows (1 = nothing dropped).</summary>
    public double MeanRetainedMass { get; }

    /// <summary>Bytes of the values (float32) and anchor indices (int32).</summary>
    public long Bytes => ((long)_values.Length * sizeof(float)) + ((long)_anchors.Length * sizeof(int));

    /// <summary>Row v's stored values (renormalised), in the order of <see cref="RowAnchors"/>.</summary>
    public ReadOnlySpan<float> RowValues(int token) => _values.AsSpan(token * AnchorsPerRow, AnchorsPerRow);

    /// <summary>Row v's anchor indices.</summary>
    public ReadOnlySpan<int> RowAnchors(int token) => _anchors.AsSpan(token * AnchorsPerRow, AnchorsPerRow);

    /// <summary>Keeps the <paramref name="anchorsPerRow"/> largest entries of each row of a dense R, renormalised.</summary>
    public static SparseRelativeRepresentation FromDense(RelativeRepresentation dense, int anchorsPerRow = DefaultAnchorsPerRow)
    {
        ArgumentNullException.ThrowIfNull(dense);
        ArgumentOutOfRangeException.ThrowIfLessThan(anchorsPerRow, 1);
        var m = Math.Min(anchorsPerRow, dense.AnchorCount);
        var values = new float[checked(dense.VocabularySize * m)];
        var anchors = new int[values.Length];
        var selector = new TopEntries(m);
        double retained = 0;
        for (var v = 0; v < dense.VocabularySize; v++)
        {
            var row = dense.Row(v);
            var chosen = selector.Select(row);
            var rowValues = values.AsSpan(v * m, m);
            var rowAnchors = anchors.AsSpan(v * m, m);
            double sum = 0;
            for (var j = 0; j < m; j++)
            {
                rowAnchors[j] = chosen[j];
                rowValues[j] = row[chosen[j]];
                sum += rowValues[j];
            }

            retained += sum;
            var factor = sum > 0 ? (float)(1 / sum) : 0f;
            for (var j = 0; j < m; j++)
            {
                rowValues[j] *= factor;
            }
        }

        return new SparseRelativeRepresentation(values, anchors, dense.VocabularySize, dense.AnchorCount, m, retained / Math.Max(1, dense.VocabularySize));
    }

    public void AccumulateRow(int token, float scale, Span<float> target)
    {
        CheckLengths(VocabularySize, target.Length);
        var start = token * AnchorsPerRow;
        for (var j = start; j < start + AnchorsPerRow; j++)
        {
            target[_anchors[j]] += scale * _values[j];
        }
    }

    public void AccumulateProjection(ReadOnlySpan<float> distribution, float weight, Span<float> target)
    {
        CheckLengths(distribution.Length, target.Length);
        for (var v = 0; v < VocabularySize; v++)
        {
            var p = distribution[v];
            if (p != 0f)
            {
                AccumulateRow(v, weight * p, target);
            }
        }
    }

    public void Project(ReadOnlySpan<float> distribution, Span<float> relative)
    {
        relative.Clear();
        AccumulateProjection(distribution, 1f, relative);
    }

    public void MultiplyTransposed(ReadOnlySpan<float> anchorVector, Span<float> result)
    {
        CheckLengths(result.Length, anchorVector.Length);
        for (var v = 0; v < VocabularySize; v++)
        {
            var start = v * AnchorsPerRow;
            var sum = 0f;
            for (var j = start; j < start + AnchorsPerRow; j++)
            {
                sum += _values[j] * anchorVector[_anchors[j]];
            }

            result[v] = sum;
        }
    }

    private void CheckLengths(int vocabularyLength, int anchorLength)
    {
        if (vocabularyLength != VocabularySize || anchorLength != AnchorCount)
        {
            throw new ArgumentException($"Expected a vocabulary vector of {VocabularySize} and an anchor vector of {AnchorCount}, got {vocabularyLength} and {anchorLength}.");
        }
    }
}
