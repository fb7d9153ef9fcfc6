namespace Kcm.Evaluation;

/// <summary>Where the data came from and how it was split.</summary>
public sealed record DatasetSummary(
    string Train, string Test, string LargeModel, int Features, int Classes, int SeedTrain, int Validation, int Traffic, int TestCount);
