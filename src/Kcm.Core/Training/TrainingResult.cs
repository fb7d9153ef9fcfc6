namespace Kcm.Core.Training;

/// <summary>
/// A trained classifier (the best epoch by validation accuracy, or the last one without validation) and how it got there.
/// </summary>
public sealed record TrainingResult<TClassifier>(
    TClassifier Classifier,
    IReadOnlyList<EpochSummary> Epochs,
    int BestEpoch,
    double? BestValidationAccuracy,
    bool StoppedEarly,
    TimeSpan Elapsed)
    where TClassifier : ITrainableClassifier;
