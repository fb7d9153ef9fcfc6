namespace Kcm.Grains.Distillation;

/// <summary>When the distillation grain runs a round: every <see cref="RecordsPerRound"/> records or <see cref="IntervalSeconds"/>, whichever first.</summary>
public sealed class DistillationScheduleOptions
{
    /// <summary>Whether rounds run on their own (the admin API can always start one).</summary>
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
    }
}
