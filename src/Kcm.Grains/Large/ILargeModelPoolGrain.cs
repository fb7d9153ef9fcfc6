namespace Kcm.Grains.Large;

/// <summary>Runs the large model through a bounded queue and a dynamic batcher over a pool of model instances.</summary>
public interface ILargeModelPoolGrain
{
    /// <summary>The large model's name.</summary>
    string ModelName { get; }

    int InputSize { get; }

    int ClassCount { get; }

    /// <summary>The hint input's name, or null when the large model takes no hint (hints are then skipped).</summary>
    string? HintInputName { get; }

    /// <summary>Requests waiting in the queue.</summary>
    int QueueDepth { get; }

    /// <summary>Samples being run right now.</summary>
    int InFlight { get; }

    /// <summary>
    /// Queues <paramref name="batchSize"/> samples and waits for their logits. Returns at once with
    /// <see cref="LargeModelStatus.QueueFull"/> when the queue is full; <see cref="LargeModelStatus.DeadlineExceeded"/> when
    /// <paramref name="timeout"/> passes before they run. Buffers are read and written only while the call is pending.
    /// </summary>
    ValueTask<LargeModelStatus> InferAsync(
        ReadOnlyMemory<float> inputs, ReadOnlyMemory<float> hints, int batchSize, Memory<float> logits, TimeSpan timeout, CancellationToken cancellationToken);
}
