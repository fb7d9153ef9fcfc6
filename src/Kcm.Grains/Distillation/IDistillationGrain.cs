namespace Kcm.Grains.Distillation;

/// <summary>Owns distillation: consumes teacher records, runs rounds one at a time, and promotes accepted candidates.</summary>
public interface IDistillationGrain
{
    /// <summary>Runs a round now on the records waiting (waits for a round already running to finish first).</summary>
    Task<DistillationRound> RunRoundAsync(CancellationToken cancellationToken);
}
