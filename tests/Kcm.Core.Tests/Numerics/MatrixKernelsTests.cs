using Kcm.Core.Numerics;

namespace Kcm.Core.Tests.Numerics;

public class MatrixKernelsTests
{
    [Theory]
    [InlineData(1, 7, 3)]
    [InlineData(19, 33, 21)]
    public void MultiplyTransposed_RandomMatrices_MatchesNaiveProductPlusBias(int rows, int inner, int outputs)
    {
        var x = FiniteDifference.Random(rows * inner, 1);
        var w = FiniteDifference.Random(outputs * inner, 2);
        var bias = FiniteDifference.Random(outputs, 3);
        var y = new float[rows * outputs];

        MatrixKernels.MultiplyTransposed(x, rows, inner, w, outputs, bias, y);

        for (var r = 0; r < rows; r++)
        {
            for (var o = 0; o < outputs; o++)
            {
                double expected = bias[o];
                for (var k = 0; k < inner; k++)
                {
                    expected += x[(r * inner) + k] * w[(o * inner) + k];
                }

                Assert.Equal(expected, y[(r * outputs) + o], 3);
            }
        }
    }

    [Fact]
    public void Multiply_Accumulating_AddsNaiveProductToExistingValues()
    {
        const int Rows = 5, Inner = 9, Columns = 11;
        var a = FiniteDifference.Random(Rows * Inner, 4);
        a[3] = 0f; // the zero-skipping path
        var b = FiniteDifference.Random(Inner * Columns, 5);
        var c = FiniteDifference.Random(Rows * Columns, 6);
        var start = c.ToArray();

        MatrixKernels.Multiply(a, Rows, Inner, b, Columns, c, accumulate: true);

        for (var r = 0; r < Rows; r++)
        {
            for (var j = 0; j < Columns; j++)
            {
                double expected = start[(r * Columns) + j];
                for (var k = 0; k < Inner; k++)
                {
                    expected += a[(r * Inner) + k] * b[(k * Columns) + j];
                }

                Assert.Equal(expected, c[(r * Columns) + j], 3);
            }
        }
    }

    [Fact]
    public void AccumulateTransposedProduct_RandomMatrices_AddsATransposeTimesB()
    {
        const int Rows = 6, M = 4, N = 13;
        var a = FiniteDifference.Random(Rows * M, 7);
        var b = FiniteDifference.Random(Rows * N, 8);
        var c = FiniteDifference.Random(M * N, 9);
        var start = c.ToArray();

        MatrixKernels.AccumulateTransposedProduct(a, Rows, M, b, N, c);

        for (var i = 0; i < M; i++)
        {
            for (var j = 0; j < N; j++)
            {
                double expected = start[(i * N) + j];
                for (var r = 0; r < Rows; r++)
                {
                    expected += a[(r * M) + i] * b[(r * N) + j];
                }

                Assert.Equal(expected, c[(i * N) + j], 3);
            }
        }
    }

    [Fact]
    public void MultiplyTransposed_OutputTooShort_Throws()
    {
        var x = new float[6];
        var w = new float[6];
        Assert.Throws<ArgumentException>(() => MatrixKernels.MultiplyTransposed(x, 2, 3, w, 2, [], new float[3]));
    }
}
