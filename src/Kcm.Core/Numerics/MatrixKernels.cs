using System.Numerics;
using System.Numerics.Tensors;

namespace Kcm.Core.Numerics;

/// <summary>
/// Dense row-major float32 matrix products built on <see cref="TensorPrimitives"/>. Weight matrices are stored
/// [outputs, inputs] (the PyTorch layout), so the forward product is SIMD dot products, register-blocked two rows by four
/// outputs, and both backward products are SIMD multiply-adds over whole rows. Single-threaded: callers parallelise over the batch.
/// </summary>
public static class MatrixKernels
{
    // Rows of x processed together against the same block of weight rows, so a weight block is read from cache
    // once per group of samples instead of once per sample (cache blocking over the batch and the outputs).
    private const int RowBlock = 8;
    private const int OutputBlock = 16;

    /// <summary>y[r, o] = dot(x[r, :], w[o, :]) (+ bias[o]); x is rows x inner, w is outputs x inner, y is rows x outputs.</summary>
    public static void MultiplyTransposed(
        ReadOnlySpan<float> x, int rows, int inner, ReadOnlySpan<float> w, int outputs, ReadOnlySpan<float> bias, Span<float> y)
    {
        CheckSizes(x.Length, rows * inner, w.Length, outputs * inner, y.Length, rows * outputs);
        if (!bias.IsEmpty && bias.Length != outputs)
        {
            throw new ArgumentException($"Bias has {bias.Length} values, expected {outputs}.", nameof(bias));
        }

        for (var r0 = 0; r0 < rows; r0 += RowBlock)
        {
            var r1 = Math.Min(rows, r0 + RowBlock);
            for (var o0 = 0; o0 < outputs; o0 += OutputBlock)
            {
                var o1 = Math.Min(outputs, o0 + OutputBlock);
                var r = r0;
                for (; r + 1 < r1; r += 2)
                {
                    var o = o0;
                    for (; o + 3 < o1; o += 4)
                    {
                        DotTwoByFour(x.Slice(r * inner, inner), x.Slice((r + 1) * inner, inner), w.Slice(o * inner, 4 * inner), inner, y.Slice((r * outputs) + o), y.Slice(((r + 1) * outputs) + o));
                    }

                    for (; o < o1; o++)
                    {
                        var weights = w.Slice(o * inner, inner);
                        y[(r * outputs) + o] = Dot(x.Slice(r * inner, inner), weights);
                        y[((r + 1) * outputs) + o] = Dot(x.Slice((r + 1) * inner, inner), weights);
                    }
                }

                for (; r < r1; r++)
                {
                    var xRow = x.Slice(r * inner, inner);
                    var o = o0;
                    for (; o + 3 < o1; o += 4)
                    {
                        DotTwoByFour(xRow, xRow, w.Slice(o * inner, 4 * inner), inner, y.Slice((r * outputs) + o), []);
                    }

                    for (; o < o1; o++)
                    {
                        y[(r * outputs) + o] = Dot(xRow, w.Slice(o * inner, inner));
                    }
                }
            }
        }

        if (!bias.IsEmpty)
        {
            for (var r = 0; r < rows; r++)
            {
                var yRow = y.Slice(r * outputs, outputs);
                TensorPrimitives.Add(yRow, bias, yRow);
            }
        }
    }

    /// <summary>c[r, :] (+)= sum_k a[r, k] * b[k, :]; a is rows x inner, b is inner x columns, c is rows x columns.</summary>
    /// <remarks>Zeros in a are skipped, which pays off for ReLU activations and sparse B-spline bases.</remarks>
    public static void Multiply(
        ReadOnlySpan<float> a, int rows, int inner, ReadOnlySpan<float> b, int columns, Span<float> c, bool accumulate)
    {
        CheckSizes(a.Length, rows * inner, b.Length, inner * columns, c.Length, rows * columns);
        if (!accumulate)
        {
            c.Clear();
        }

        for (var r = 0; r < rows; r++)
        {
            var aRow = a.Slice(r * inner, inner);
            var cRow = c.Slice(r * columns, columns);
            for (var k = 0; k < inner; k++)
            {
                var factor = aRow[k];
                if (factor != 0f)
                {
                    TensorPrimitives.MultiplyAdd(b.Slice(k * columns, columns), factor, cRow, cRow);
                }
            }
        }
    }

    /// <summary>c[m, :] += sum_r a[r, m] * b[r, :]; a is rows x m, b is rows x n, c is m x n (the weight-gradient product aᵀb).</summary>
    public static void AccumulateTransposedProduct(
        ReadOnlySpan<float> a, int rows, int m, ReadOnlySpan<float> b, int n, Span<float> c)
    {
        CheckSizes(a.Length, rows * m, b.Length, rows * n, c.Length, m * n);
        for (var r = 0; r < rows; r++)
        {
            var aRow = a.Slice(r * m, m);
            var bRow = b.Slice(r * n, n);
            for (var i = 0; i < m; i++)
            {
                var factor = aRow[i];
                if (factor != 0f)
                {
                    var cRow = c.Slice(i * n, n);
                    TensorPrimitives.MultiplyAdd(bRow, factor, cRow, cRow);
                }
            }
        }
    }

    /// <summary>sums[j] += sum_r a[r, j]; a is rows x columns (the bias-gradient reduction).</summary>
    public static void AccumulateColumnSums(ReadOnlySpan<float> a, int rows, int columns, Span<float> sums)
    {
        CheckSizes(a.Length, rows * columns, sums.Length, columns, sums.Length, columns);
        for (var r = 0; r < rows; r++)
        {
            TensorPrimitives.Add(sums, a.Slice(r * columns, columns), sums);
        }
    }

    // Every product in MultiplyTransposed sums in the same order (one vector accumulator per row and output, then its
    // lanes, then the scalar tail), so a sample's logits are bit-identical whatever batch it is computed in.
    private static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> w)
    {
        Vector<float> sum = default;
        var width = Vector<float>.Count;
        var k = 0;
        for (; k + width <= x.Length; k += width)
        {
            sum = Vector.FusedMultiplyAdd(new Vector<float>(x[k..]), new Vector<float>(w[k..]), sum);
        }

        var total = Vector.Sum(sum);
        for (; k < x.Length; k++)
        {
            total += x[k] * w[k];
        }

        return total;
    }

    // Two rows against four weight rows at once: each loaded vector feeds several multiply-adds, which roughly halves
    // the loads per FMA compared with one dot product at a time (8 accumulators + 6 loads fit the 16 AVX registers).
    // For a single row pass it as both x0 and x1 and an empty y1.
    private static void DotTwoByFour(
        ReadOnlySpan<float> x0, ReadOnlySpan<float> x1, ReadOnlySpan<float> w, int inner, Span<float> y0, Span<float> y1)
    {
        var w0 = w[..inner];
        var w1 = w.Slice(inner, inner);
        var w2 = w.Slice(2 * inner, inner);
        var w3 = w.Slice(3 * inner, inner);
        Vector<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector<float> a10 = default, a11 = default, a12 = default, a13 = default;
        var width = Vector<float>.Count;
        var k = 0;
        for (; k + width <= inner; k += width)
        {
            var v0 = new Vector<float>(x0[k..]);
            var v1 = new Vector<float>(x1[k..]);
            var c0 = new Vector<float>(w0[k..]);
            a00 = Vector.FusedMultiplyAdd(v0, c0, a00);
            a10 = Vector.FusedMultiplyAdd(v1, c0, a10);
            var c1 = new Vector<float>(w1[k..]);
            a01 = Vector.FusedMultiplyAdd(v0, c1, a01);
            a11 = Vector.FusedMultiplyAdd(v1, c1, a11);
            var c2 = new Vector<float>(w2[k..]);
            a02 = Vector.FusedMultiplyAdd(v0, c2, a02);
            a12 = Vector.FusedMultiplyAdd(v1, c2, a12);
            var c3 = new Vector<float>(w3[k..]);
            a03 = Vector.FusedMultiplyAdd(v0, c3, a03);
            a13 = Vector.FusedMultiplyAdd(v1, c3, a13);
        }

        float s00 = Vector.Sum(a00), s01 = Vector.Sum(a01), s02 = Vector.Sum(a02), s03 = Vector.Sum(a03);
        float s10 = Vector.Sum(a10), s11 = Vector.Sum(a11), s12 = Vector.Sum(a12), s13 = Vector.Sum(a13);
        for (; k < inner; k++)
        {
            s00 += x0[k] * w0[k];
            s01 += x0[k] * w1[k];
            s02 += x0[k] * w2[k];
            s03 += x0[k] * w3[k];
            s10 += x1[k] * w0[k];
            s11 += x1[k] * w1[k];
            s12 += x1[k] * w2[k];
            s13 += x1[k] * w3[k];
        }

        y0[0] = s00;
        y0[1] = s01;
        y0[2] = s02;
        y0[3] = s03;
        if (y1.IsEmpty)
        {
            // One row: x1 was x0 again, so its sums are duplicates.
            return;
        }

        y1[0] = s10;
        y1[1] = s11;
        y1[2] = s12;
        y1[3] = s13;
    }

    private static void CheckSizes(int aLength, int aExpected, int bLength, int bExpected, int cLength, int cExpected)
    {
        if (aLength < aExpected || bLength < bExpected || cLength < cExpected)
        {
            throw new ArgumentException(
                $"Matrix spans too short: have {aLength}/{bLength}/{cLength} values, need {aExpected}/{bExpected}/{cExpected}.");
        }
    }
}
