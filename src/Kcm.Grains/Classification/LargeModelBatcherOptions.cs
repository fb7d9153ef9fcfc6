namespace Kcm.Grains.Classification;

/// <summary>Settings of the silo-local large model batcher (the terms are Triton's); configuration section <c>Kcm:LargePool</c>.</summary>
public sealed class LargeModelBatcherOptions
{
    /// <summary>Most samples run in one batch.</summary>
    /// <value>Default 64; 1 to 4096.</value>
    public int MaxBatchSize { get; set; } = 64;

    /// <summary>
    /// How long the first request of a batch may wait for more, in microseconds, when the model was idle; a batch that
    /// starts right after another takes what queued meanwhile without waiting.
    /// </summary>
    /// <value>Default 500; 0 (never wait) to 1,000,000.</value>
    public int MaxQueueDelayMicroseconds { get; set; } = 500;

    /// <summary>Requests that may wait in the queue (the pool depth); beyond this new requests are answered Overloaded at once.</summary>
    /// <value>Default 64; 1 to 100,000.</value>
    public int QueueCapacity { get; set; } = 64;

    /// <summary>Model instances (sessions), each run by its own worker.</summary>
    /// <value>Default 1; 1 to 64.</value>
    public int InstanceCount { get; set; } = 1;

    /// <summary>The problems with these settings, one message per bad field (empty when valid).</summary>
    public IEnumerable<string> Problems(string prefix)
    {
        if (MaxBatchSize is < 1 or > 4096)
        {
            yield return $"{prefix}{nameof(MaxBatchSize)} must be 1 to 4096 (was {MaxBatchSize}).";
        }

        if (MaxQueueDelayMicroseconds is < 0 or > 1_000_000)
        {
            yield return $"{prefix}{nameof(MaxQueueDelayMicroseconds)} must be 0 to 1000000 (was {MaxQueueDelayMicroseconds}).";
        }

        if (QueueCapacity is < 1 or > 100_000)
        {
            yield return $"{prefix}{nameof(QueueCapacity)} must be 1 to 100000 (was {QueueCapacity}).";
        }

        if (InstanceCount is < 1 or > 64)
        {
            yield return $"{prefix}{nameof(InstanceCount)} must be 1 to 64 (was {InstanceCount}).";
        }
    }
}
