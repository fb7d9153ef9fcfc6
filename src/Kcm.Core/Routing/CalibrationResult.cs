namespace Kcm.Core.Routing;

/// <summary>
/// The epsilon chosen for a target large-model share, and what it gives on the calibration set: the share actually
/// sent to the large model and, when per-sample correctness was supplied, the expected KCM accuracy (else NaN).
/// </summary>
public sealed record CalibrationResult(float Epsilon, double TargetLargeShare, double ExpectedLargeShare, double ExpectedAccuracy)
{
    public ThresholdPolicy Policy => new() { Epsilon = Epsilon };
}
