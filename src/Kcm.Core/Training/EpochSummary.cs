namespace Kcm.Core.Training;

/// <summary>One finished epoch: mean training loss, validation accuracy (null without validation) and time taken.</summary>
public sealed record EpochSummary(int Epoch, double TrainingLoss, double? ValidationAccuracy, TimeSpan Elapsed);
