namespace Kcm.Abstractions.Distillation;

/// <summary>
/// A distillation grain's counts, kept in its grain state (so they survive a silo's loss): rounds by outcome and the
/// teacher records they used. Every record handed over is trained on once (<paramref name="RecordsConsumed"/>),
/// refused (<paramref name="RecordsRefused"/>: undecodable, or training threw on it), or, when a round had already used
/// it, acknowledged again without training (<paramref name="RecordsRedelivered"/>).
/// </summary>
/// <param name="RoundsAccepted">Rounds whose candidate passed the check.</param>
/// <param name="RoundsRejected">Rounds whose candidate the check refused.</param>
/// <param name="RoundsFailed">Rounds that failed (training, storing, recording or publishing).</param>
/// <param name="RoundsEmpty">Rounds run on demand with no new records.</param>
/// <param name="RecordsConsumed">Records trained on by rounds whose outcome is recorded.</param>
/// <param name="RoundRunning">Whether a round runs now.</param>
/// <param name="RecordsRedelivered">Records handed over again after a recorded round used them.</param>
/// <param name="RecordsRefused">Records refused by rounds (undecodable, or training threw on them).</param>
[GenerateSerializer, Immutable, Alias("kcm.distillation-status")]
public sealed record DistillationStatus(
    long RoundsAccepted,
    long RoundsRejected,
    long RoundsFailed,
    long RoundsEmpty,
    long RecordsConsumed,
    bool RoundRunning,
    long RecordsRedelivered = 0,
    long RecordsRefused = 0);
