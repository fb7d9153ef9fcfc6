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

    /// <summary>The default accuracy tolerance of <see cref="CalibrationRule.AccuracyTolerance"/>: 0.001 (0.1 points).</summary>
    public const double DefaultAccuracyTolerance = 0.001;

    /// <summary>
    /// Chooses epsilon by <paramref name="rule"/> on a calibration set (one confidence and the small and large models'
    /// correctness per sample), which must be rows the large model never saw in training, or the promise is optimistic.
    /// <list type="bullet">
    /// <item><see cref="CalibrationRule.FixedEpsilon"/>: epsilon = <paramref name="parameter"/>.</item>
    /// <item><see cref="CalibrationRule.AccuracyTolerance"/>: sort by confidence (least first) and send the first k to the
    /// large model; the least k whose accuracy is at least large-only minus <paramref name="parameter"/> (a fraction).</item>
    /// <item><see cref="CalibrationRule.LargeBudget"/>: the largest k with k / n at most <paramref name="parameter"/>.</item>
    /// </list>
    /// Only cuts between distinct confidences are possible (a threshold cannot split a tie); a confidence of exactly 1
    /// always stays on the small model.
    /// </summary>
    public static CalibratedThreshold Choose(
        CalibrationRule rule, double parameter, ReadOnlySpan<float> confidences, ReadOnlySpan<bool> smallCorrect, ReadOnlySpan<bool> largeCorrect)
    {
        var n = confidences.Length;
        var errors = new List<string>();
        if (n == 0 || smallCorrect.Length != n || largeCorrect.Length != n)
        {
            errors.Add($"need one confidence and one small and large correctness per sample, at least one (have {n}, {smallCorrect.Length}, {largeCorrect.Length})");
        }

        var valid = rule switch
        {
            CalibrationRule.FixedEpsilon or CalibrationRule.LargeBudget => parameter >= 0.0 && parameter <= 1.0,
            CalibrationRule.AccuracyTolerance => parameter >= 0.0 && parameter <= 1.0,
            _ => false,
        };
        if (!valid)
        {
            errors.Add($"the {rule} parameter must be in [0, 1] (was {parameter})");
        }

        foreach (var confidence in confidences)
        {
            if (!(confidence >= 0f && confidence <= 1f))
            {
                errors.Add($"confidences must be in [0, 1] (found {confidence})");
                break;
            }
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid calibration input: " + string.Join("; ", errors) + ".");
        }

        var sorted = confidences.ToArray();
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        Array.Sort(sorted, order);
        // correct[k]: samples right when the k least confident go to the large model.
        var correct = new int[n + 1];
        for (var i = 0; i < n; i++)
        {
            correct[0] += smallCorrect[i] ? 1 : 0;
        }

        for (var k = 0; k < n; k++)
        {
            correct[k + 1] = correct[k] + (largeCorrect[order[k]] ? 1 : 0) - (smallCorrect[order[k]] ? 1 : 0);
        }

        var largeOnly = 0;
        foreach (var right in largeCorrect)
        {
            largeOnly += right ? 1 : 0;
        }

        float epsilon;
        switch (rule)
        {
            case CalibrationRule.FixedEpsilon:
                epsilon = (float)parameter;
                break;
            case CalibrationRule.AccuracyTolerance:
            {
                var cut = -1;
                for (var k = 0; k <= n && cut < 0; k++)
                {
                    if (IsCut(sorted, k) && correct[k] >= largeOnly - (parameter * n) - 1e-9)
                    {
                        cut = k;
                    }
                }

                epsilon = CutEpsilon(sorted, cut < 0 ? LastCut(sorted) : cut);
                break;
            }

            default:
            {
                var limit = (int)Math.Floor((parameter * n) + 1e-9);
                var cut = 0;
                for (var k = Math.Min(limit, n); k >= 0; k--)
                {
                    if (IsCut(sorted, k))
                    {
                        cut = k;
                        break;
                    }
                }

                epsilon = CutEpsilon(sorted, cut);
                break;
            }
        }

        var policy = new ThresholdPolicy { Epsilon = epsilon };
        var rightCount = 0;
        var small = 0;
        for (var i = 0; i < n; i++)
        {
            rightCount += (policy.Route(confidences[i]) == RouteTarget.Small ? smallCorrect[i] : largeCorrect[i]) ? 1 : 0;
            small += smallCorrect[i] ? 1 : 0;
        }

        return new CalibratedThreshold(
            rule, parameter, epsilon, policy.LargeShare(confidences), (double)rightCount / n, (double)small / n, (double)largeOnly / n, n);
    }

    // A cut k sends exactly the k least confident samples large: possible at the ends and between distinct values.
    private static bool IsCut(float[] sorted, int k) =>
        k == 0 || (k == sorted.Length ? sorted[^1] < 1f : sorted[k - 1] < sorted[k]);

    private static int LastCut(float[] sorted)
    {
        for (var k = sorted.Length; k > 0; k--)
        {
            if (IsCut(sorted, k))
            {
                return k;
            }
        }

        return 0;
    }

    private static float CutEpsilon(float[] sorted, int k) =>
        k == 0 ? 0f : k == sorted.Length ? MathF.BitIncrement(sorted[^1]) : sorted[k];

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
