using System.Numerics.Tensors;

namespace Kcm.DeePEn.Fusion;

/// <summary>
/// R kept to its top-m anchors per row, the rest of each row replaced by its mean (the tail): row v is tail_v on every
/// anchor plus an excess on its m largest anchors, so it still sums to 1 and stays positive like the dense row. A
/// renormalised top-m row without the tail leaves most anchors at exactly 0, where the inverse search's gradient
/// (r_a / s_a) explodes; that cost about a tenth of the agreement with dense fusion on the SotU models. Stored with a
/// fixed row length m: row v's excesses and anchor indices are entries [v m, (v + 1) m), plus one tail per row.
/// </summary>
public sealed unsafe class SparseRelativeRepresentation : IRelativeMatrix
{
    /// <summary>Default anchors kept per row.</summary>
    public const int DefaultAnchorsPerRow = 32;

    /// <summary>
    /// Excesses and tails smaller than this are stored as 0. An entry close to its row's tail leaves a subnormal excess
    /// (below 1.2e-38), and every product with a subnormal number is many times slower: on the SotU main model a
    /// search step with exact leading rows took 1.3 ms instead of 0.8 ms. Against a row's mass of 1 such values are far
    /// below float32 rounding.
    /// </summary>
    public const float NegligibleValue = 1e-30f;

    private readonly float[] _values;
    private readonly int[] _anchors;
    private readonly float[] _tails;
    private readonly SparseRows _rows;

    private SparseRelativeRepresentation(float[] values, int[] anchors, float[] tails, int vocabularySize, int anchorCount, int anchorsPerRow, double meanRetainedMass)
    {
        MeanRetainedMass = meanRetainedMass;
        _values = values;
        _anchors = anchors;
        _tails = tails;
        // The arrays are on the pinned object heap (FromDense), so the shared pointer kernel reads them in place.
        _rows = new SparseRows(Pointer(values), Pointer(anchors), Pointer(tails), vocabularySize, anchorsPerRow);
        VocabularySize = vocabularySize;
        AnchorCount = anchorCount;
        AnchorsPerRow = anchorsPerRow;
    }

    public int VocabularySize { get; }

    public int AnchorCount { get; }

    /// <summary>m: stored entries per row (at most the anchor count).</summary>
    public int AnchorsPerRow { get; }

    /// <summary>The dense rows' mass on their kept anchors, averaged over rows (1 = nothing spread into the tail).</summary>
    public double MeanRetainedMass { get; }

    /// <summary>Bytes of the excesses and tails (float32) and anchor indices (int32).</summary>
    public long Bytes => ((long)_values.Length * sizeof(float)) + ((long)_anchors.Length * sizeof(int)) + ((long)_tails.Length * sizeof(float));

    /// <summary>Row v's stored excesses over its tail, in the order of <see cref="RowAnchors"/> (R[v, a] = tail + excess).</summary>
    public ReadOnlySpan<float> RowValues(int token) => _values.AsSpan(token * AnchorsPerRow, AnchorsPerRow);

    /// <summary>Row v's value on every anchor it does not store.</summary>
    public float RowTail(int token) => _tails[token];

    /// <summary>R[v, a], for tests and diagnostics (a scan of the row's m anchors).</summary>
    public float Value(int token, int anchor)
    {
        var anchors = RowAnchors(token);
        var j = anchors.IndexOf(anchor);
        return _tails[token] + (j >= 0 ? RowValues(token)[j] : 0f);
    }

    /// <summary>Row v's anchor indices.</summary>
    public ReadOnlySpan<int> RowAnchors(int token) => _anchors.AsSpan(token * AnchorsPerRow, AnchorsPerRow);

    /// <summary>Keeps the <paramref name="anchorsPerRow"/> largest entries of each row of a dense R and spreads the rest evenly.</summary>
    public static SparseRelativeRepresentation FromDense(RelativeRepresentation dense, int anchorsPerRow = DefaultAnchorsPerRow)
    {
        ArgumentNullException.ThrowIfNull(dense);
        ArgumentOutOfRangeException.ThrowIfLessThan(anchorsPerRow, 1);
        var m = Math.Min(anchorsPerRow, dense.AnchorCount);
        var rows = new TruncatedRows(dense.VocabularySize, dense.AnchorCount, m);
        var selector = new TopEntries(m);
        for (var v = 0; v < dense.VocabularySize; v++)
        {
            rows.Keep(v, dense.Row(v), selector);
        }

        return rows.ToRepresentation();
    }

    /// <summary>
    /// The same matrix as <c>FromDense(RelativeRepresentation.Build(...), m)</c>, built one row at a time from the
    /// embeddings without the dense |V| x |A| matrix: the memory a large vocabulary needs is O(|V| m), not O(|V| |A|).
    /// </summary>
    public static SparseRelativeRepresentation Build(EmbeddingRelativeRows rows, int anchorsPerRow = DefaultAnchorsPerRow, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(anchorsPerRow, 1);
        var m = Math.Min(anchorsPerRow, rows.AnchorCount);
        var truncated = new TruncatedRows(rows.VocabularySize, rows.AnchorCount, m);
        const int RowsPerTask = 64;
        var blocks = (rows.VocabularySize + RowsPerTask - 1) / RowsPerTask;
        Parallel.For(
            0,
            blocks,
            new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            () => (Row: new float[rows.AnchorCount], Selector: new TopEntries(m)),
            (block, _, scratch) =>
            {
                var end = Math.Min(rows.VocabularySize, (block + 1) * RowsPerTask);
                for (var v = block * RowsPerTask; v < end; v++)
                {
                    rows.FillRow(v, scratch.Row);
                    truncated.Keep(v, scratch.Row, scratch.Selector);
                }

                return scratch;
            },
            _ => { });
        return truncated.ToRepresentation();
    }

    public void AccumulateRow(int token, float scale, Span<float> target)
    {
        CheckLengths(VocabularySize, target.Length);
        ArgumentOutOfRangeException.ThrowIfNegative(token);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(token, VocabularySize);
        _rows.AccumulateRow(token, scale, target);
    }

    public void AccumulateProjection(ReadOnlySpan<float> distribution, float weight, Span<float> target)
    {
        CheckLengths(distribution.Length, target.Length);
        _rows.AccumulateProjection(distribution, weight, target);
    }

    public void Project(ReadOnlySpan<float> distribution, Span<float> relative)
    {
        relative.Clear();
        AccumulateProjection(distribution, 1f, relative);
    }

    public void MultiplyTransposed(ReadOnlySpan<float> anchorVector, Span<float> result)
    {
        CheckLengths(result.Length, anchorVector.Length);
        _rows.MultiplyTransposed(anchorVector, result);
    }

    private static T* Pointer<T>(T[] array)
        where T : unmanaged => (T*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(array));

    /// <summary>Sets the values smaller in size than <see cref="NegligibleValue"/> to 0.</summary>
    internal static void FlushNegligible(Span<float> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (MathF.Abs(values[i]) < NegligibleValue)
            {
                values[i] = 0f;
            }
        }
    }

    private void CheckLengths(int vocabularyLength, int anchorLength) => RelativeMatrixShape.Check(this, vocabularyLength, anchorLength);

    /// <summary>The arrays of a sparse R being filled, one row at a time (rows may be kept from several threads).</summary>
    private sealed class TruncatedRows(int vocabularySize, int anchorCount, int anchorsPerRow)
    {
        private readonly float[] _values = GC.AllocateUninitializedArray<float>(checked(vocabularySize * anchorsPerRow), pinned: true);
        private readonly int[] _anchors = GC.AllocateUninitializedArray<int>(checked(vocabularySize * anchorsPerRow), pinned: true);
        private readonly float[] _tails = GC.AllocateUninitializedArray<float>(vocabularySize, pinned: true);
        private readonly double[] _retained = new double[vocabularySize];

        /// <summary>Keeps row v's m largest entries and replaces the rest by their mean (the tail).</summary>
        public void Keep(int token, ReadOnlySpan<float> row, TopEntries selector)
        {
            var m = anchorsPerRow;
            var chosen = selector.Select(row);
            var rowValues = _values.AsSpan(token * m, m);
            var rowAnchors = _anchors.AsSpan(token * m, m);
            double sum = 0;
            for (var j = 0; j < m; j++)
            {
                rowAnchors[j] = chosen[j];
                rowValues[j] = row[chosen[j]];
                sum += rowValues[j];
            }

            _retained[token] = sum;
            var tail = anchorCount > m ? (float)Math.Max(0, (1 - sum) / (anchorCount - m)) : 0f;
            tail = tail < NegligibleValue ? 0f : tail;
            _tails[token] = tail;
            // Stored as the excess over the tail, so row v = tail_v everywhere plus the excess on its top-m anchors;
            // an entry close to the tail leaves a subnormal excess, flushed like R's own.
            TensorPrimitives.Subtract(rowValues, tail, rowValues);
            FlushNegligible(rowValues);
        }

        public SparseRelativeRepresentation ToRepresentation() =>
            new(_values, _anchors, _tails, vocabularySize, anchorCount, anchorsPerRow, _retained.Sum() / Math.Max(1, vocabularySize));
    }
}
