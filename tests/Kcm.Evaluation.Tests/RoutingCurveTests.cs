namespace Kcm.Evaluation.Tests;

public sealed class RoutingCurveTests
{
    [Fact]
    public void Compute_HandWorkedExample_GivesTheExactCurveApgrAndCpt()
    {
        // Four samples; small right on 0 and 1, large right on 0, 2 and 3. Sorted by score: 2, 3, 1, 0.
        float[] scores = [0.9f, 0.8f, 0.1f, 0.2f];
        bool[] small = [true, true, false, false];
        bool[] large = [true, false, true, true];

        var metrics = RoutingCurve.Compute(scores, small, large, points: 5);

        // correct(k) = 2, 3, 4, 3, 3 -> accuracy 0.5, 0.75, 1, 0.75, 0.75; gap 1 sample; PGR 0, 1, 2, 1, 1.
        Assert.Equal([0.5, 0.75, 1.0, 0.75, 0.75], metrics.Curve.Select(p => p.Accuracy));
        Assert.Equal([0.0, 0.25, 0.5, 0.75, 1.0], metrics.Curve.Select(p => p.Share));
        Assert.Equal((0.5 + 1.5 + 1.5 + 1.0) / 4, metrics.Apgr!.Value, 10);
        Assert.Equal(0.25, metrics.Cpt50);
        Assert.Equal(0.25, metrics.Cpt95);
    }

    [Fact]
    public void Compute_OracleRandomAndReversedRouters_RankAsExpected()
    {
        var random = new Random(3);
        var n = 20_000;
        var small = Enumerable.Range(0, n).Select(_ => random.NextDouble() < 0.8).ToArray();
        var large = small.Select(s => s || random.NextDouble() < 0.5).ToArray();
        var oracle = small.Select(s => s ? 1f : 0f).Select(v => v + ((float)random.NextDouble() * 0.01f)).ToArray();
        var noise = Enumerable.Range(0, n).Select(_ => (float)random.NextDouble()).ToArray();
        var reversed = oracle.Select(v => 1f - v).ToArray();

        var best = RoutingCurve.Compute(oracle, small, large);
        var chance = RoutingCurve.Compute(noise, small, large);
        var worst = RoutingCurve.Compute(reversed, small, large);

        Assert.True(best.Apgr > 0.85, $"oracle APGR {best.Apgr}");
        Assert.InRange(chance.Apgr!.Value, 0.45, 0.55);
        Assert.True(worst.Apgr < 0.15, $"reversed APGR {worst.Apgr}");
        Assert.True(best.Cpt95 < chance.Cpt95);
        Assert.InRange(chance.Cpt50!.Value, 0.45, 0.55);
        Assert.Equal(21, best.Curve.Count);
        Assert.Equal(chance.Curve[0].Accuracy, small.Count(s => s) / (double)n, 10);
        Assert.Equal(chance.Curve[^1].Accuracy, large.Count(l => l) / (double)n, 10);
    }

    [Fact]
    public void Compute_LargeNoBetterThanSmall_LeavesApgrUndefined()
    {
        var metrics = RoutingCurve.Compute([0.1f, 0.2f], [true, false], [false, true]);

        Assert.Null(metrics.Apgr);
        Assert.Null(metrics.Cpt80);
    }

    [Fact]
    public void AtThreshold_Epsilon_SendsScoresBelowItToLarge()
    {
        var (accuracy, share) = RoutingCurve.AtThreshold([0.99f, 0.5f, 0.97f, 0.98f], [true, false, false, true], [false, true, true, false], 0.98f);

        Assert.Equal(1.0, accuracy);
        Assert.Equal(0.5, share);
    }
}
