namespace Kcm.Core.Tests.Numerics;

/// <summary>Central finite differences of a scalar function of a float vector, compared with an analytic gradient.</summary>
internal static class FiniteDifference
{
    /// <summary>
    /// Checks <paramref name="analytic"/> against (f(x + h e_i) - f(x - h e_i)) / 2h at up to <paramref name="maxChecks"/>
    /// indices (all when fewer), and returns how many were checked.
    /// </summary>
    public static int AssertGradient(
        float[] point, Func<float[], double> function, ReadOnlySpan<float> analytic, int maxChecks = 300, float step = 1e-2f, int seed = 1)
    {
        Assert.Equal(point.Length, analytic.Length);
        var indices = Enumerable.Range(0, point.Length).ToArray();
        if (indices.Length > maxChecks)
        {
            new Random(seed).Shuffle(indices);
            indices = indices[..maxChecks];
        }

        var nonZero = 0;
        foreach (var i in indices)
        {
            var saved = point[i];
            point[i] = saved + step;
            var plus = function(point);
            point[i] = saved - step;
            var minus = function(point);
            point[i] = saved;
            var numeric = (plus - minus) / (2.0 * step);
            var tolerance = 2e-3 + (3e-2 * Math.Max(Math.Abs(numeric), Math.Abs(analytic[i])));
            Assert.True(
                Math.Abs(numeric - analytic[i]) <= tolerance,
                $"Gradient {i}: analytic {analytic[i]:G6}, finite difference {numeric:G6}.");
            if (Math.Abs(analytic[i]) > 1e-3)
            {
                nonZero++;
            }
        }

        // A gradient that is zero everywhere would pass trivially; require a real signal.
        Assert.True(nonZero > indices.Length / 10, $"Only {nonZero} of {indices.Length} checked gradients are non-zero.");
        return indices.Length;
    }

    /// <summary>Uniform random floats in [min, max).</summary>
    public static float[] Random(int count, int seed, float min = -1f, float max = 1f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = min + ((max - min) * random.NextSingle());
        }

        return values;
    }
}
