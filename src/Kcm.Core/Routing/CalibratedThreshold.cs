namespace Kcm.Core.Routing;

/// <summary>
/// An epsilon chosen by a <see cref="CalibrationRule"/> and what it promises on the calibration set: the share of
/// samples it sends to the large model and the accuracy KCM then has, beside small-only and large-only accuracy there.
/// </summary>
/// <param name="Rule">The rule that chose epsilon.</param>
/// <param name="Parameter">The rule's parameter: epsilon, the accuracy tolerance (a fraction, 0.001 = 0.1 points) or the share budget.</param>
/// <param name="Epsilon">Samples whose confidence is below it go to the large model.</param>
/// <param name="ExpectedLargeShare">Share of the calibration set sent to the large model.</param>
/// <param name="ExpectedAccuracy">KCM's accuracy on the calibration set.</param>
/// <param name="SmallOnlyAccuracy">The small model's accuracy on the calibration set.</param>
/// <param name="LargeOnlyAccuracy">The large model's accuracy on the calibration set.</param>
/// <param name="Count">Calibration samples.</param>
public sealed record CalibratedThreshold(
    CalibrationRule Rule,
    double Parameter,
    float Epsilon,
    double ExpectedLargeShare,
    double ExpectedAccuracy,
    double SmallOnlyAccuracy,
    double LargeOnlyAccuracy,
    int Count)
{
    public ThresholdPolicy Policy => new() { Epsilon = Epsilon };
}
