namespace Kcm.Grains.Distillation;

/// <summary>
/// When the distillation grain runs a round (every <see cref="RecordsPerRound"/> records or <see cref="IntervalSeconds"/>,
/// whichever first, checked every <see cref="CheckSeconds"/>) and how long its ledger remembers the record ids rounds used.
/// </summary>
public sealed class DistillationScheduleOptions
{
    /// <summary>Whether rounds run on their own, on the distillation grain's reminder (RunRoundAsync can always start one).</summary>
    /// <value>Default true.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Whether each round also distils the judge (when the model source provides a judge trainer).</summary>
    /// <value>Default true.</value>
    public bool DistillJudge { get; set; } = true;

    /// <summary>A round starts once this many records wait; a round consumes at most this many.</summary>
    /// <value>Default 2000; 1 to 1,000,000.</value>
    public int RecordsPerRound { get; set; } = 2000;

    /// <summary>A round also starts this long after the previous one when at least <see cref="MinRecords"/> wait.</summary>
    /// <value>Default 300; 0.01 to 86,400.</value>
    public double IntervalSeconds { get; set; } = 300;

    /// <summary>Fewest records a timed round runs on.</summary>
    /// <value>Default 100; at least 1 and at most <see cref="RecordsPerRound"/>.</value>
    public int MinRecords { get; set; } = 100;

    /// <summary>
    /// How often the grain checks whether a round is due: the period of its reminder when the silo has a reminder
    /// service (raised to <c>ReminderOptions.MinimumReminderPeriod</c> if below it, with a warning), else of a grain timer.
    /// </summary>
    /// <value>Default 5; 0.01 to 3600.</value>
    public double CheckSeconds { get; set; } = 5;

    /// <summary>
    /// How long a round's record ids stay in the ledger at least (so a record handed over again after a crash between
    /// the round's state write and its acknowledgement is recognised): well above the teacher queue's lease.
    /// </summary>
    /// <value>Default 3600; 1 to 604,800.</value>
    public double LedgerRetentionSeconds { get; set; } = 3600;

    /// <summary>The newest rounds the ledger keeps whatever their age.</summary>
    /// <value>Default 4; 1 to 1000.</value>
    public int LedgerMinRounds { get; set; } = 4;

    /// <summary>
    /// Most record ids the ledger holds (16 bytes each in grain state; an Azure Table row holds about 960 KiB): beyond
    /// it the oldest rounds go even inside the retention, with a warning.
    /// </summary>
    /// <value>Default 30,000; at least <see cref="RecordsPerRound"/>, at most 1,000,000.</value>
    public int LedgerMaxRecordIds { get; set; } = 30_000;

    /// <summary>The problems with these settings, one message per bad field (empty when valid).</summary>
    public IEnumerable<string> Problems(string prefix)
    {
        if (RecordsPerRound is < 1 or > 1_000_000)
        {
            yield return $"{prefix}{nameof(RecordsPerRound)} must be 1 to 1000000 (was {RecordsPerRound}).";
        }

        if (!(IntervalSeconds is >= 0.01 and <= 86_400))
        {
            yield return $"{prefix}{nameof(IntervalSeconds)} must be 0.01 to 86400 (was {IntervalSeconds}).";
        }

        if (MinRecords < 1 || MinRecords > RecordsPerRound)
        {
            yield return $"{prefix}{nameof(MinRecords)} must be 1 to {nameof(RecordsPerRound)} (was {MinRecords}).";
        }

        if (!(CheckSeconds is >= 0.01 and <= 3600))
        {
            yield return $"{prefix}{nameof(CheckSeconds)} must be 0.01 to 3600 (was {CheckSeconds}).";
        }

        if (!(LedgerRetentionSeconds is >= 1 and <= 604_800))
        {
            yield return $"{prefix}{nameof(LedgerRetentionSeconds)} must be 1 to 604800 (was {LedgerRetentionSeconds}).";
        }

        if (LedgerMinRounds is < 1 or > 1000)
        {
            yield return $"{prefix}{nameof(LedgerMinRounds)} must be 1 to 1000 (was {LedgerMinRounds}).";
        }

        if (LedgerMaxRecordIds < RecordsPerRound || LedgerMaxRecordIds > 1_000_000)
        {
            yield return $"{prefix}{nameof(LedgerMaxRecordIds)} must be {nameof(RecordsPerRound)} ({RecordsPerRound}) to 1000000 (was {LedgerMaxRecordIds}).";
        }
    }
}
