using Kcm.Core.Kan;
using Kcm.Core.Tests.Numerics;

namespace Kcm.Core.Tests.Kan;

public class BSplineBasisTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Evaluate_InsideRange_BasisValuesAreNonNegativeAndSumToOne(int order)
    {
        Span<float> values = stackalloc float[order + 1];
        for (var x = -0.99f; x < 1f; x += 0.0137f)
        {
            var first = BSplineBasis.Evaluate(x, 5, order, -1f, 1f, values, []);

            Assert.InRange(first, 0, 5 - 1);
            Assert.All(values.ToArray(), v => Assert.True(v >= -1e-6f));
            Assert.Equal(1.0, values.ToArray().Sum(), 5);
        }
    }

    [Fact]
    public void Evaluate_Derivatives_MatchFiniteDifferencesOfTheDenseBasis()
    {
        const int Grid = 5, Order = 3;
        Span<float> values = stackalloc float[Order + 1];
        Span<float> derivatives = stackalloc float[Order + 1];
        for (var x = -0.93f; x < 0.95f; x += 0.071f)
        {
            var first = BSplineBasis.Evaluate(x, Grid, Order, -1f, 1f, values, derivatives);
            var plus = Dense(x + 1e-3f, Grid, Order);
            var minus = Dense(x - 1e-3f, Grid, Order);
            for (var m = 0; m <= Order; m++)
            {
                var numeric = (plus[first + m] - minus[first + m]) / 2e-3;
                Assert.True(Math.Abs(numeric - derivatives[m]) < 2e-2, $"x={x} basis {first + m}: {derivatives[m]} vs {numeric}");
            }
        }
    }

    [Fact]
    public void Evaluate_OutsideRange_ClampsToTheEdgeWithZeroDerivative()
    {
        Span<float> values = stackalloc float[4];
        Span<float> edge = stackalloc float[4];
        Span<float> derivatives = stackalloc float[4];

        var first = BSplineBasis.Evaluate(7.5f, 5, 3, -1f, 1f, values, derivatives);
        var edgeFirst = BSplineBasis.Evaluate(1f, 5, 3, -1f, 1f, edge, []);

        Assert.Equal(edgeFirst, first);
        Assert.Equal(edge.ToArray(), values.ToArray());
        Assert.All(derivatives.ToArray(), d => Assert.Equal(0f, d));
    }

    private static float[] Dense(float x, int grid, int order)
    {
        var dense = new float[grid + order];
        Span<float> values = stackalloc float[order + 1];
        var first = BSplineBasis.Evaluate(x, grid, order, -1f, 1f, values, []);
        values.CopyTo(dense.AsSpan(first));
        return dense;
    }
}
