namespace Kcm.Evaluation;

/// <summary>
/// Where the data came from and how it was split: rows per part, and how the small model's and judges' inputs were
/// scaled ("identity" when every feature was already in [0, 1], else "min-max", with the count of constant features).
/// </summary>
public sealed record DatasetSummary(
    string Train,
    string Test,
    string? CalibrationFile,
    string LargeModel,
    int Features = 0,
    int Classes = 0,
    int SeedTrain = 0,
    int Validation = 0,
    int Traffic = 0,
    int Calibration = 0,
    int TestCount = 0,
    string Scaling = "",
    int ConstantFeatures = 0);
