namespace Kcm.Cli.Demo;

/// <summary>
/// Distillation as the demo shows and waits on it: rounds by outcome, teacher records the large model queued and the
/// records rounds consumed. Queued minus consumed is what the distiller still owes.
/// </summary>
internal sealed record DistillationFigures(DistillationCounts Rounds, long RecordsQueued, long RecordsConsumed)
{
    /// <summary>Records queued and not yet consumed by a round.</summary>
    public long RecordsOwed => RecordsQueued - RecordsConsumed;
}
