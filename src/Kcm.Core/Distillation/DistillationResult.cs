using Kcm.Core.Training;

namespace Kcm.Core.Distillation;

/// <summary>What one distillation round produced and whether the guard accepted it.</summary>
/// <param name="Candidate">The trained candidate; null when nothing was trained (no usable record).</param>
/// <param name="Accepted">True when the candidate loses no more check-set accuracy than the tolerance allows.</param>
/// <param name="Reason">Why it was accepted or rejected, for people and logs.</param>
/// <param name="CheckAccuracyBefore">The starting model's accuracy on the check set.</param>
/// <param name="CheckAccuracyAfter">The candidate's accuracy on the check set, when one was trained.</param>
/// <param name="RecordsUsed">Records with at least one signal (the loss averages over these).</param>
/// <param name="RecordsUsedTeacher">Records whose large-model confidence exceeded epsilon.</param>
/// <param name="RecordsUsedJudge">Records whose judge confidence exceeded epsilon.</param>
/// <param name="RecordsUsedLabel">Records with a label.</param>
/// <param name="Elapsed">Time spent training and checking.</param>
public sealed record DistillationResult(
    ITrainableClassifier? Candidate,
    bool Accepted,
    string Reason,
    double CheckAccuracyBefore,
    double? CheckAccuracyAfter,
    int RecordsUsed,
    int RecordsUsedTeacher,
    int RecordsUsedJudge,
    int RecordsUsedLabel,
    TimeSpan Elapsed);
