namespace Kcm.Grains.Distillation;

/// <summary>
/// The distillation grain's stored state (grain storage <c>ServingStorage.Name</c>): the ledger of the record ids recent
/// rounds used, a candidate recorded but not yet known to be published, and the round and record counts.
/// </summary>
[GenerateSerializer, Alias("kcm.distillation-state")]
public sealed class DistillationState
{
    /// <summary>The number of the last recorded round (rounds are numbered from 1).</summary>
    [Id(0)]
    public long LastRound { get; set; }

    /// <summary>Recent rounds' record ids, oldest first; bounded by the <c>Kcm:Distillation:Ledger*</c> settings.</summary>
    [Id(1)]
    public List<LedgerRound> Ledger { get; set; } = [];

    /// <summary>An accepted round's candidate recorded before publishing; cleared once the registry serves it.</summary>
    [Id(2)]
    public PendingPublication? Pending { get; set; }

    [Id(3)]
    public long RoundsAccepted { get; set; }

    [Id(4)]
    public long RoundsRejected { get; set; }

    [Id(5)]
    public long RoundsFailed { get; set; }

    [Id(6)]
    public long RoundsEmpty { get; set; }

    /// <summary>Records trained on by recorded rounds.</summary>
    [Id(7)]
    public long RecordsTrained { get; set; }

    /// <summary>Records refused by rounds (undecodable, or training threw on them).</summary>
    [Id(8)]
    public long RecordsRefused { get; set; }

    /// <summary>Records handed over again after a recorded round used them, acknowledged without training.</summary>
    [Id(9)]
    public long RecordsRedelivered { get; set; }

    /// <summary>A copy to restore when a write fails (ledger rounds and the pending candidate are never changed once made).</summary>
    public DistillationState Copy() => new()
    {
        LastRound = LastRound,
        Ledger = [.. Ledger],
        Pending = Pending,
        RoundsAccepted = RoundsAccepted,
        RoundsRejected = RoundsRejected,
        RoundsFailed = RoundsFailed,
        RoundsEmpty = RoundsEmpty,
        RecordsTrained = RecordsTrained,
        RecordsRefused = RecordsRefused,
        RecordsRedelivered = RecordsRedelivered,
    };
}
