using System.Numerics.Tensors;

namespace Kcm.DeePEn.Fusion;

/// <summary>
/// The arithmetic of a dense R over row-major float32 rows wherever they live: a pinned array
/// (<see cref="RelativeRepresentation"/>) or a mapped cache file (<see cref="MappedRelativeMatrix"/>), so both give
/// the same results bit for bit. Offsets are 64-bit: a large model's R can exceed 2^31 values. The owner keeps the
/// memory alive and checks argument lengths.
/// </summary>
internal readonly unsafe struct DenseRows(float* values, int vocabularySize, int anchorCount)
{
    public ReadOnlySpan<float> Row(int token) => new(values + ((long)token * anchorCount), anchorCount);

    public void AccumulateProjection(ReadOnlySpan<float> distribution, float weight, Span<float> target)
    {
        for (var v = 0; v < vocabularySize; v++)
        {
            var p = distribution[v];
            if (p != 0f)
            {
                TensorPrimitives.MultiplyAdd(Row(v), weight * p, target, target);
            }
        }
    }

    public void MultiplyTransposed(ReadOnlySpan<float> anchorVector, Span<float> result)
    {
        for (var v = 0; v < vocabularySize; v++)
        {
            result[v] = TensorPrimitives.Dot(Row(v), anchorVector);
        }
    }
}
