namespace Kcm.Contracts;

/// <summary>
/// Body of <c>GET /v1/models/{model}/distillation</c>: this silo's distillation figures since it started. In a cluster
/// each silo counts what it does itself (a front the records it queued, a distiller its rounds and the records they
/// used), so a cluster's totals are the sums over its silos.
/// </summary>
/// <param name="Model">The model's name.</param>
/// <param name="RoundsAccepted">Rounds whose candidate became the serving small model.</param>
/// <param name="RoundsRejected">Rounds whose candidate the check set refused.</param>
/// <param name="RoundsFailed">Rounds whose training failed.</param>
/// <param name="RoundsEmpty">Rounds that found no teacher records waiting.</param>
/// <param name="TeacherRecordsQueued">Teacher records (the large model's answers) this silo put on the teacher queue.</param>
/// <param name="TeacherRecordsConsumed">Teacher records this silo's distillation rounds used.</param>
public sealed record DistillationInfo(
    string Model,
    long RoundsAccepted,
    long RoundsRejected,
    long RoundsFailed,
    long RoundsEmpty,
    long TeacherRecordsQueued,
    long TeacherRecordsConsumed);
