namespace Kcm.Core.Routing;

/// <summary>How epsilon is chosen on a calibration set the large model never saw in training.</summary>
public enum CalibrationRule
{
    /// <summary>A fixed epsilon (the paper's 0.98); calibration only predicts its share and accuracy.</summary>
    FixedEpsilon,

    /// <summary>The least large share whose expected accuracy stays within a tolerance of large-only accuracy.</summary>
    AccuracyTolerance,

    /// <summary>The largest large share that stays within a budget of large-model calls.</summary>
    LargeBudget,
}
