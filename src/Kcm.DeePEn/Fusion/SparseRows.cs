using System.Numerics.Tensors;

namespace Kcm.DeePEn.Fusion;

/// <summary>
/// The arithmetic of a sparse R (row v = tail_v on every anchor plus m excesses on its own anchors) over rows wherever
/// they live: pinned arrays (<see cref="SparseRelativeRepresentation"/>) or a mapped cache file
/// (<see cref="MappedSparseRelativeMatrix"/>), so both give the same results bit for bit. The owner keeps the memory
/// alive and checks argument lengths.
/// </summary>
internal readonly unsafe struct SparseRows(float* excesses, int* anchors, float* tails, int vocabularySize, int anchorsPerRow)
{
    public ReadOnlySpan<float> RowValues(int token) => new(excesses + ((long)token * anchorsPerRow), anchorsPerRow);

    public ReadOnlySpan<int> RowAnchors(int token) => new(anchors + ((long)token * anchorsPerRow), anchorsPerRow);

    public float RowTail(int token) => tails[token];

    public void AccumulateRow(int token, float scale, Span<float> target)
    {
        if (tails[token] != 0f)
        {
            TensorPrimitives.Add(target, scale * tails[token], target);
        }

        AddExcesses(token, scale, target);
    }

    public void AccumulateProjection(ReadOnlySpan<float> distribution, float weight, Span<float> target)
    {
        // The tails are uniform over anchors: summed as one scalar and added once, not once per row.
        var uniform = 0f;
        for (var v = 0; v < vocabularySize; v++)
        {
            var p = distribution[v];
            if (p != 0f)
            {
                var scale = weight * p;
                uniform += scale * tails[v];
                AddExcesses(v, scale, target);
            }
        }

        TensorPrimitives.Add(target, uniform, target);
    }

    public void MultiplyTransposed(ReadOnlySpan<float> anchorVector, Span<float> result)
    {
        var total = TensorPrimitives.Sum(anchorVector);
        for (var v = 0; v < vocabularySize; v++)
        {
            var start = (long)v * anchorsPerRow;
            var sum = tails[v] * total;
            for (var j = start; j < start + anchorsPerRow; j++)
            {
                sum += excesses[j] * anchorVector[anchors[j]];
            }

            result[v] = sum;
        }
    }

    private void AddExcesses(int token, float scale, Span<float> target)
    {
        var start = (long)token * anchorsPerRow;
        for (var j = start; j < start + anchorsPerRow; j++)
        {
            target[anchors[j]] += scale * excesses[j];
        }
    }
}
