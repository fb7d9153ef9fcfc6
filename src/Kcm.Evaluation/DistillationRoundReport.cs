namespace Kcm.Evaluation;

/// <summary>
/// The state after one replayed distillation round (round 0 = the seed-trained models): how much traffic and how
/// many teacher records had been seen, whether the guard accepted the small-model candidate, the small model's test
/// accuracy, the large share at the fixed epsilon under the serving router (with the judge as distilled so far),
/// under the seed-trained judge and under the small model's own max-softmax, KCM's test accuracy, and whether the
/// guard accepted the judge candidate (null when the judge was not distilled this round), the distillable judge's test
/// accuracy as a classifier (null when the serving router has none), and the serving router's APGR against the current
/// small model (null when the large model is not more accurate than it).
/// </summary>
public sealed record DistillationRoundReport(
    int Round,
    int TrafficSeen,
    int TeacherRecords,
    bool Accepted,
    double SmallAccuracy,
    double LargeShare,
    double SmallSoftmaxLargeShare,
    double KcmAccuracy,
    double SeedJudgeLargeShare,
    bool? JudgeAccepted,
    double? JudgeAccuracy,
    double? JudgeApgr);
