using Kcm.Core.Routing;

namespace Kcm.Core.Tests.Routing;

public sealed class ThresholdChoiceTests
{
    // Ten samples by rising confidence; the small model is wrong on the three least confident, the large model on the last.
    private static readonly float[] Confidences = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 0.95f];
    private static readonly bool[] Small = [false, false, false, true, true, true, true, true, true, true];
    private static readonly bool[] Large = [true, true, true, true, true, true, true, true, true, false];

    [Fact]
    public void AccuracyTolerance_PicksTheLeastShareWithinToleranceOfLargeOnly()
    {
        var chosen = ThresholdCalibration.Choose(CalibrationRule.AccuracyTolerance, 0.001, Confidences, Small, Large);

        // Large-only is 90%; sending the two least confident already gives 90% (the third would give 100%), so k = 2.
        Assert.Equal(0.3f, chosen.Epsilon);
        Assert.Equal(0.2, chosen.ExpectedLargeShare, 10);
        Assert.Equal(0.9, chosen.ExpectedAccuracy, 10);
        Assert.Equal(0.9, chosen.LargeOnlyAccuracy, 10);
        Assert.Equal(0.7, chosen.SmallOnlyAccuracy, 10);
    }

    [Fact]
    public void AccuracyTolerance_WideTolerance_SendsLess()
    {
        // Within 10.5 points of 90%: 79.5%; k = 1 gives 80%.
        var chosen = ThresholdCalibration.Choose(CalibrationRule.AccuracyTolerance, 0.105, Confidences, Small, Large);

        Assert.Equal(0.1, chosen.ExpectedLargeShare, 10);
    }

    [Fact]
    public void LargeBudget_NeverExceedsTheBudget_AndCannotSplitATie()
    {
        float[] tied = [0.1f, 0.5f, 0.5f, 0.5f, 0.9f, 0.9f, 0.9f, 0.9f, 0.95f, 0.99f];

        var chosen = ThresholdCalibration.Choose(CalibrationRule.LargeBudget, 0.3, tied, Small, Large);

        Assert.Equal(0.1, chosen.ExpectedLargeShare, 10);
        Assert.Equal(0.5f, chosen.Epsilon);
    }

    [Fact]
    public void FixedEpsilon_ReportsItsShareAndAccuracy()
    {
        var chosen = ThresholdCalibration.Choose(CalibrationRule.FixedEpsilon, 0.55, Confidences, Small, Large);

        Assert.Equal(0.55f, chosen.Epsilon);
        Assert.Equal(0.5, chosen.ExpectedLargeShare, 10);
        Assert.Equal(1.0, chosen.ExpectedAccuracy, 10);
    }

    [Fact]
    public void Choose_ConfidencesOfOne_StayOnTheSmallModel()
    {
        var chosen = ThresholdCalibration.Choose(CalibrationRule.LargeBudget, 1.0, [1f, 1f, 0.5f], [true, true, false], [true, true, true]);

        Assert.Equal(1f / 3, chosen.ExpectedLargeShare, 6);
    }

    [Fact]
    public void Choose_BadInput_NamesEveryProblem()
    {
        var error = Assert.Throws<ArgumentException>(() => ThresholdCalibration.Choose(CalibrationRule.LargeBudget, 2, [0.5f, 1.5f], [true], [true, false]));

        Assert.Contains("one confidence", error.Message, StringComparison.Ordinal);
        Assert.Contains("parameter must be in [0, 1]", error.Message, StringComparison.Ordinal);
        Assert.Contains("confidences must be in [0, 1]", error.Message, StringComparison.Ordinal);
    }
}
