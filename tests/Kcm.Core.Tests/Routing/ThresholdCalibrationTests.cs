using Kcm.Core.Routing;

namespace Kcm.Core.Tests.Routing;

public sealed class ThresholdCalibrationTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.3)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void Calibrate_OnCalibrationSet_HitsTheTargetShareOnHeldOutData(double target)
    {
        // Beta-like skewed confidences, as a judge produces: most near 1.
        var random = new Random(11);
        float[] Draw(int n) => Enumerable.Range(0, n).Select(_ => 1f - MathF.Pow((float)random.NextDouble(), 3f)).ToArray();
        var calibration = Draw(5_000);
        var heldOut = Draw(5_000);

        var result = ThresholdCalibration.Calibrate(calibration, target);

        Assert.InRange(result.ExpectedLargeShare, target - 0.001, target + 0.001);
        Assert.InRange(result.Policy.LargeShare(heldOut), target - 0.02, target + 0.02);
    }

    [Fact]
    public void Calibrate_WithCorrectness_ReportsTheAccuracyOfTheRoutedSet()
    {
        float[] confidences = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f, 0.9f, 0.95f];
        bool[] small = [false, false, false, true, true, true, true, true, true, true];
        bool[] large = [true, true, false, true, true, true, true, true, true, false];

        var result = ThresholdCalibration.Calibrate(confidences, 0.3, small, large);

        // The three least confident go large (right, right, wrong); the other seven keep the small model (all right).
        Assert.Equal(0.4f, result.Epsilon);
        Assert.Equal(0.3, result.ExpectedLargeShare, 10);
        Assert.Equal(0.9, result.ExpectedAccuracy, 10);
    }

    [Fact]
    public void Calibrate_TiedConfidences_PicksTheNearestAchievableShare()
    {
        float[] confidences = [0.2f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.9f, 0.9f, 1f];

        Assert.Equal(0.1, ThresholdCalibration.Calibrate(confidences, 0.2).ExpectedLargeShare, 10);
        Assert.Equal(0.7, ThresholdCalibration.Calibrate(confidences, 0.6).ExpectedLargeShare, 10);
    }

    [Fact]
    public void Calibrate_ExtremeTargets_SendNothingOrEverythingBelowOne()
    {
        float[] confidences = [0.2f, 0.4f, 0.99f];

        Assert.Equal(0.0, ThresholdCalibration.Calibrate(confidences, 0).ExpectedLargeShare);
        Assert.Equal(1.0, ThresholdCalibration.Calibrate(confidences, 1).ExpectedLargeShare);
    }

    [Fact]
    public void Calibrate_InvalidInput_NamesEveryProblem()
    {
        var error = Assert.Throws<ArgumentException>(() => ThresholdCalibration.Calibrate([0.5f, 1.5f], 2.0, [true], [true, false]));

        Assert.Contains("targetLargeShare", error.Message);
        Assert.Contains("smallCorrect", error.Message);
        Assert.Contains("1.5", error.Message);
    }
}
