using Kcm.Core.Routing;

namespace Kcm.Evaluation;

/// <summary>
/// Router metrics from per-sample scores and correctness. Samples are sorted by score (least confident first) and the
/// first k go to the large model: acc(k) = (large right among the first k + small right among the rest) / n.
/// PGR(k) = (acc(k) - acc(0)) / (acc(n) - acc(0)); APGR is the trapezoid area under PGR against the share k/n over
/// every k (RouteLLM's definition, at full resolution); CPT(x) is the smallest k/n with PGR(k) &gt;= x. The reported
/// curve samples acc at <c>points</c> evenly spaced shares (21 by default: 0%, 5%, ..., 100%).
/// </summary>
public static class RoutingCurve
{
    public const int DefaultPoints = 21;

    public static RouterMetrics Compute(ReadOnlySpan<float> scores, ReadOnlySpan<bool> smallCorrect, ReadOnlySpan<bool> largeCorrect, int points = DefaultPoints)
    {
        var n = scores.Length;
        if (n == 0 || smallCorrect.Length != n || largeCorrect.Length != n)
        {
            throw new ArgumentException($"Need one score, small and large correctness per sample (have {n}, {smallCorrect.Length}, {largeCorrect.Length}; at least one).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(points, 2);
        var keys = scores.ToArray();
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        Array.Sort(keys, order);

        // correct[k] = samples right when the first k (least confident) go large.
        var smallTotal = 0;
        foreach (var right in smallCorrect)
        {
            smallTotal += right ? 1 : 0;
        }

        var correct = new int[n + 1];
        correct[0] = smallTotal;
        for (var k = 0; k < n; k++)
        {
            var sample = order[k];
            correct[k + 1] = correct[k] + (largeCorrect[sample] ? 1 : 0) - (smallCorrect[sample] ? 1 : 0);
        }

        var curve = new List<CurvePoint>(points);
        for (var j = 0; j < points; j++)
        {
            var share = (double)j / (points - 1);
            var k = (int)Math.Round(share * n, MidpointRounding.AwayFromZero);
            curve.Add(new CurvePoint(share, (double)correct[k] / n));
        }

        var gap = correct[n] - correct[0];
        if (gap <= 0)
        {
            return new RouterMetrics(null, null, null, null, curve);
        }

        double area = 0;
        for (var k = 0; k < n; k++)
        {
            area += ((correct[k] - correct[0]) + (correct[k + 1] - correct[0])) / 2.0;
        }

        var apgr = area / gap / n;
        return new RouterMetrics(apgr, Cpt(correct, gap, 0.50), Cpt(correct, gap, 0.80), Cpt(correct, gap, 0.95), curve);
    }

    /// <summary>KCM accuracy and large share when samples the <see cref="ThresholdPolicy"/> at <paramref name="epsilon"/> sends large go to the large model.</summary>
    public static (double Accuracy, double LargeShare) AtThreshold(
        ReadOnlySpan<float> scores, ReadOnlySpan<bool> smallCorrect, ReadOnlySpan<bool> largeCorrect, float epsilon)
    {
        var n = scores.Length;
        if (n == 0)
        {
            return (0, 0);
        }

        var policy = new ThresholdPolicy { Epsilon = epsilon };
        var right = 0;
        var large = 0;
        for (var i = 0; i < n; i++)
        {
            var toLarge = policy.Route(scores[i]) == RouteTarget.Large;
            large += toLarge ? 1 : 0;
            right += (toLarge ? largeCorrect[i] : smallCorrect[i]) ? 1 : 0;
        }

        return ((double)right / n, (double)large / n);
    }

    private static double Cpt(int[] correct, int gap, double fraction)
    {
        var n = correct.Length - 1;
        for (var k = 0; k <= n; k++)
        {
            // Integer comparison avoids a rounding miss at exactly the fraction.
            if (correct[k] - correct[0] >= fraction * gap - 1e-9)
            {
                return (double)k / n;
            }
        }

        return 1.0;
    }
}
