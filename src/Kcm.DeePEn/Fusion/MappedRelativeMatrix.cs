using System.Numerics.Tensors;

namespace Kcm.DeePEn.Fusion;

/// <summary>
/// A dense relative matrix read in place from a memory-mapped cache file (<see cref="RelativeMatrixFile"/>): the same
/// arithmetic as <see cref="RelativeRepresentation"/> over the same float32 rows, so its results equal the in-memory
/// matrix's bit for bit, while the managed heap holds none of it. Owns the mapping; dispose it after the last use.
/// </summary>
public sealed unsafe class MappedRelativeMatrix : IRelativeMatrix, IDisposable
{
    private readonly ReadOnlyFileMapping _mapping;
    private readonly float* _values;
    private readonly DenseRows _rows;

    internal MappedRelativeMatrix(ReadOnlyFileMapping mapping, RelativeMatrixHeader header)
    {
        _mapping = mapping;
        _values = (float*)(mapping.Pointer + RelativeMatrixHeader.ValuesOffset);
        Header = header;
        _rows = new DenseRows(_values, header.VocabularySize, header.AnchorCount);
    }

    public RelativeMatrixHeader Header { get; }

    public int VocabularySize => Header.VocabularySize;

    public int AnchorCount => Header.AnchorCount;

    /// <summary>The mapped file's bytes (in the page cache, not on the managed heap).</summary>
    public long Bytes => _mapping.Length;

    public string Path => _mapping.Path;

    public ReadOnlySpan<float> Row(int token)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(token);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(token, VocabularySize);
        _ = _mapping.Pointer; // throws once disposed
        return new ReadOnlySpan<float>(_values + ((long)token * AnchorCount), AnchorCount);
    }

    public void AccumulateRow(int token, float scale, Span<float> target)
    {
        CheckLengths(VocabularySize, target.Length);
        TensorPrimitives.MultiplyAdd(Row(token), scale, target, target);
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

    private void CheckLengths(int vocabularyLength, int anchorLength) => RelativeMatrixShape.Check(this, vocabularyLength, anchorLength);
}
