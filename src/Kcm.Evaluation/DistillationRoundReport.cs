namespace Kcm.Evaluation;

/// <summary>
/// The state after one replayed distillation round (round 0 = the seed-trained small model): how much traffic and how
/// many teacher records had been seen, whether the guard accepted the candidate, the small model's test accuracy, the
/// large share at the fixed epsilon under the serving router and under the small model's own max-softmax, and KCM's test accuracy.
/// </summary>
public sealed record DistillationRoundReport(
    int Round, int TrafficSeen, int TeacherRecords, bool Accepted, double SmallAccuracy, double LargeShare, double SmallSoftmaxLargeShare, double KcmAccuracy);
