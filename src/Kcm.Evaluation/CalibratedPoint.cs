namespace Kcm.Evaluation;

/// <summary>
/// KCM at an epsilon calibrated on the validation split for a target large share: what calibration expected there,
/// and what the test set then got.
/// </summary>
public sealed record CalibratedPoint(
    string Router, double TargetLargeShare, float Epsilon, double ExpectedLargeShare, double ExpectedAccuracy, double LargeShare, double Accuracy);
