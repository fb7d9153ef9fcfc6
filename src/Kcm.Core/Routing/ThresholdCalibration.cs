namespace Kcm.Core.Routing;

/// <summary>
/// Picks epsilon so that a target share of a calibration set goes to the large model: epsilon is the
/// target-share quantile of the router's confidences (samples with C_x &lt; epsilon go large). With ties the
/// threshold goes just below or just above the tied value, whichever lands nearer the target.
/// </summary>
public static class ThresholdCalibration
{
    /// <summary>Epsilon for <paramref name="targetLargeShare"/> in [0, 1]; the accuracy in the result is NaN.</summary>
    public static CalibrationResult Calibrate(ReadOnlySpan<float> confidences, double targetLargeShare) =>
        Calibrate(confidences, targetLargeShare, [], []);

    /// <summary>
    /// Epsilon for <paramref name="targetLargeShare"/>, with the expected KCM accuracy from per-sample correctness of
    /// the small and large models on the same calibration samples.
    /// </summary>
    public static CalibrationResult Calibrate(
        ReadOnlySpan<float> confidences, double targetLargeShare, ReadOnlySpan<bool> smallCorrect, ReadOnlySpan<bool> largeCorrect)
    {
        var errors = new List<string>();
        if (confidences.IsEmpty)
        {
            errors.Add($"{nameof(confidences)} must not be empty.");
        }

        if (!(targetLargeShare >= 0.0 && targetLargeShare <= 1.0))
        {
            errors.Add($"{nameof(targetLargeShare)} must be in [0, 1] (was {targetLargeShare}).");
        }

        var withAccuracy = !smallCorrect.IsEmpty || !largeCorrect.IsEmpty;
        if (withAccuracy && (smallCorrect.Length != confidences.Length || largeCorrect.Length != confidences.Length))
        {
            errors.Add($"{nameof(smallCorrect)} and {nameof(largeCorrect)} must have one entry per confidence ({confidences.Length}); have {smallCorrect.Length} and {largeCorrect.Length}.");
        }

        foreach (var confidence in confidences)
        {
            if (!(confidence >= 0f && confidence <= 1f))
            {
                errors.Add($"{nameof(confidences)} must be in [0, 1] (found {confidence}).");
                break;
            }
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid calibration input: " + string.Join(" ", errors));
        }

        var sorted = confidences.ToArray();
        Array.Sort(sorted);
        var n = sorted.Length;
        var target = (int)Math.Round(targetLargeShare * n, MidpointRounding.AwayFromZero);
        var epsilon = ChooseEpsilon(sorted, target);
        var policy = new ThresholdPolicy { Epsilon = epsilon };
        var share = policy.LargeShare(confidences);
        var accuracy = double.NaN;
        if (withAccuracy)
        {
            var correct = 0;
            for (var i = 0; i < n; i++)
            {
                var right = policy.Route(confidences[i]) == RouteTarget.Small ? smallCorrect[i] : largeCorrect[i];
                correct += right ? 1 : 0;
            }

            accuracy = (double)correct / n;
        }

        return new CalibrationResult(epsilon, targetLargeShare, share, accuracy);
    }

    private static float ChooseEpsilon(float[] sorted, int target)
    {
        var n = sorted.Length;
        if (target <= 0)
        {
            return 0f;
        }

        if (target >= n)
        {
            // Everything must fall below epsilon; a confidence of exactly 1 cannot, and is reported in the share.
            return sorted[^1] < 1f ? MathF.BitIncrement(sorted[^1]) : 1f;
        }

        // Candidate A: epsilon = sorted[target]; samples strictly below it go large (fewer than target with ties).
        var value = sorted[target];
        var below = LowerBound(sorted, value);
        // Candidate B: epsilon just above the tied value; the whole tie goes large.
        var upTo = UpperBound(sorted, value);
        if (upTo - target < target - below && value < 1f)
        {
            return MathF.BitIncrement(value);
        }

        return value;
    }

    private static int LowerBound(float[] sorted, float value)
    {
        var index = Array.BinarySearch(sorted, value);
        if (index < 0)
        {
            return ~index;
        }

        while (index > 0 && sorted[index - 1] == value)
        {
            index--;
        }

        return index;
    }

    private static int UpperBound(float[] sorted, float value)
    {
        var index = LowerBound(sorted, value);
        while (index < sorted.Length && sorted[index] == value)
        {
            index++;
        }

        return index;
    }
}
