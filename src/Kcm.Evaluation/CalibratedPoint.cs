namespace Kcm.Evaluation;

/// <summary>
/// KCM at an epsilon chosen by one calibration rule on the calibration rows (which the large model never trained on):
/// what calibration promised there (share, accuracy, and large-only accuracy on the same rows) and what the reported
/// test rows then delivered. With a hint-reading large model, the large model is given the small model's probabilities.
/// </summary>
public sealed record CalibratedPoint(
    string Rule,
    double Parameter,
    string Router,
    float Epsilon,
    double PromisedLargeShare,
    double PromisedAccuracy,
    double CalibrationLargeOnlyAccuracy,
    double LargeShare,
    double Accuracy);
