using System.Numerics.Tensors;

namespace Kcm.DeePEn.Fusion;

/// <summary>
/// A sparse relative matrix (top-m excesses, their anchor indices and one tail per row) read in place from a
/// memory-mapped cache file: the same arithmetic as <see cref="SparseRelativeRepresentation"/>, so the results are
/// equal bit for bit. Owns the mapping; dispose it after the last use.
/// </summary>
public sealed unsafe class MappedSparseRelativeMatrix : IRelativeMatrix, IDisposable
{
    private readonly ReadOnlyFileMapping _mapping;
    private readonly float* _values;
    private readonly int* _anchors;
    private readonly float* _tails;
    private readonly SparseRows _rows;

    internal MappedSparseRelativeMatrix(ReadOnlyFileMapping mapping, RelativeMatrixHeader header)
    {
        _mapping = mapping;
        var start = mapping.Pointer;
        _values = (float*)(start + RelativeMatrixHeader.ValuesOffset);
        _anchors = (int*)(start + header.AnchorIndicesOffset);
        _tails = (float*)(start + header.TailsOffset);
        Header = header;
        _rows = new SparseRows(_values, _anchors, _tails, header.VocabularySize, header.AnchorsPerRow);
    }

    public RelativeMatrixHeader Header { get; }

    public int VocabularySize => Header.VocabularySize;

    public int AnchorCount => Header.AnchorCount;

    /// <summary>m: stored entries per row.</summary>
    public int AnchorsPerRow => Header.AnchorsPerRow;

    /// <summary>The dense rows' mass on their kept anchors, averaged over rows (as when the file was written).</summary>
    public double MeanRetainedMass => Header.MeanRetainedMass;

    /// <summary>The mapped file's bytes (in the page cache, not on the managed heap).</summary>
    public long Bytes => _mapping.Length;

    public string Path => _mapping.Path;

    public ReadOnlySpan<float> RowValues(int token) => new(_values + RowStart(token), AnchorsPerRow);

    public ReadOnlySpan<int> RowAnchors(int token) => new(_anchors + RowStart(token), AnchorsPerRow);

    public float RowTail(int token)
    {
        _ = RowStart(token);
        return _tails[token];
    }

    public void AccumulateRow(int token, float scale, Span<float> target)
    {
        CheckLengths(VocabularySize, target.Length);
        _ = RowStart(token);
        _rows.AccumulateRow(token, scale, target);
    }

    public void AccumulateProjection(ReadOnlySpan<float> distribution, float weight, Span<float> target)
    {
        CheckLengths(distribution.Length, target.Length);
        _ = _mapping.Pointer; // throws once disposed
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
        _ = _mapping.Pointer; // throws once disposed
        _rows.MultiplyTransposed(anchorVector, result);
    }

    public void Dispose() => _mapping.Dispose();

    private long RowStart(int token)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(token);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(token, VocabularySize);
        _ = _mapping.Pointer; // throws once disposed
        return (long)token * AnchorsPerRow;
    }

    private void CheckLengths(int vocabularyLength, int anchorLength) => RelativeMatrixShape.Check(this, vocabularyLength, anchorLength);
}
