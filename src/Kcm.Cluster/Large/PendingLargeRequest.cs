using Kcm.Grains.Large;

namespace Kcm.Cluster.Large;

/// <summary>
/// A large-model request waiting for its reply. Whoever removes it from the front's pending table owns the caller's
/// buffer: the reply handler (writes the logits, then completes) or the caller giving up (then no one writes).
/// </summary>
internal sealed class PendingLargeRequest(int batchSize, Memory<float> logits)
{
    public int BatchSize { get; } = batchSize;

    public Memory<float> Logits { get; } = logits;

    public TaskCompletionSource<LargeModelStatus> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
