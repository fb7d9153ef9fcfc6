namespace Kcm.Cli.Demo;

/// <summary>Nearest-rank percentiles of a set of measurements.</summary>
internal static class Percentile
{
    /// <summary>The <paramref name="p"/>-th percentile (0..100) of <paramref name="values"/>, sorted in place; NaN when empty.</summary>
    public static double Of(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        values.Sort();
        var rank = (int)Math.Ceiling(p / 100.0 * values.Count);
        return values[Math.Clamp(rank - 1, 0, values.Count - 1)];
    }
}
