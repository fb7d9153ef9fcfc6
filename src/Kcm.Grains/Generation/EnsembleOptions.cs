namespace Kcm.Grains.Generation;

/// <summary>Settings of a silo's ensemble generation (configuration section <c>Kcm:Ensemble</c>).</summary>
public sealed class EnsembleOptions
{
    /// <summary>The configuration section these settings bind from.</summary>
    public const string SectionName = "Kcm:Ensemble";

    /// <summary>Path of the ensemble manifest (e.g. models/sotu-ensemble.json); unset serves no ensemble on this silo.</summary>
    /// <value>Default null. Relative paths resolve under KCM_HOME, else the working folder.</value>
    public string? Manifest { get; set; }

    /// <summary>
    /// Folder where the relative matrices are cached and memory-mapped from (built once, rebuilt when stale); relative
    /// paths resolve under KCM_HOME; empty builds them in memory at every start.
    /// </summary>
    /// <value>Default ".kcm/relative-cache".</value>
    public string? RelativeCachePath { get; set; } = ".kcm/relative-cache";

    /// <summary>Generations decoded at once on this silo; each holds one core while it decodes.</summary>
    /// <value>Default 2; 1 to 256.</value>
    public int MaxConcurrentGenerations { get; set; } = 2;

    /// <summary>Generations that may wait for a free slot; beyond this new ones are refused at once (overloaded).</summary>
    /// <value>Default 8; 0 (never wait) to 10,000.</value>
    public int MaxQueuedGenerations { get; set; } = 8;

    /// <summary>How long a generation may wait for a slot before it is refused, in milliseconds.</summary>
    /// <value>Default 30,000; 1 to 600,000.</value>
    public int QueueTimeoutMilliseconds { get; set; } = 30_000;

    /// <summary>ONNX Runtime threads inside one operator of each member's session.</summary>
    /// <value>Default 1; 0 (one per core) to 64.</value>
    public int IntraOpThreads { get; set; } = 1;

    /// <summary><see cref="QueueTimeoutMilliseconds"/> as a time span.</summary>
    public TimeSpan QueueTimeout => TimeSpan.FromMilliseconds(QueueTimeoutMilliseconds);

    /// <summary>The problems with these settings, one message per bad field, each named under <paramref name="prefix"/> (empty when valid).</summary>
    public IEnumerable<string> Problems(string prefix)
    {
        if (Manifest is not null && string.IsNullOrWhiteSpace(Manifest))
        {
            yield return $"{prefix}{nameof(Manifest)} must be a path or unset (was empty).";
        }

        if (MaxConcurrentGenerations is < 1 or > 256)
        {
            yield return $"{prefix}{nameof(MaxConcurrentGenerations)} must be 1 to 256 (was {MaxConcurrentGenerations}).";
        }

        if (MaxQueuedGenerations is < 0 or > 10_000)
        {
            yield return $"{prefix}{nameof(MaxQueuedGenerations)} must be 0 to 10000 (was {MaxQueuedGenerations}).";
        }

        if (QueueTimeoutMilliseconds is < 1 or > 600_000)
        {
            yield return $"{prefix}{nameof(QueueTimeoutMilliseconds)} must be 1 to 600000 (was {QueueTimeoutMilliseconds}).";
        }

        if (IntraOpThreads is < 0 or > 64)
        {
            yield return $"{prefix}{nameof(IntraOpThreads)} must be 0 to 64 (was {IntraOpThreads}).";
        }
    }
}
