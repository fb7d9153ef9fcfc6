namespace Kcm.Grains.Large;

/// <summary>
/// One queued large model request. Its buffers belong to the caller; the state word decides who may touch them:
/// the worker moves Queued to Running before reading, the caller moves Queued to Abandoned when it gives up, and
/// whichever wins, the other keeps its hands off.
/// </summary>
internal sealed class LargeModelWork(ReadOnlyMemory<float> inputs, ReadOnlyMemory<float> hints, int batchSize, Memory<float> logits, long deadlineTimestamp)
{
    private const int Queued = 0;
    private const int Running = 1;
    private const int Abandoned = 2;

    private int _state;

    public ReadOnlyMemory<float> Inputs { get; } = inputs;

    public ReadOnlyMemory<float> Hints { get; } = hints;

    public int BatchSize { get; } = batchSize;

    public Memory<float> Logits { get; } = logits;

    /// <summary>The <see cref="System.Diagnostics.Stopwatch"/> timestamp after which the work is not worth running.</summary>
    public long DeadlineTimestamp { get; } = deadlineTimestamp;

    public TaskCompletionSource<LargeModelStatus> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The worker claims the work; false when the caller already gave up on it.</summary>
    public bool TryStart() => Interlocked.CompareExchange(ref _state, Running, Queued) == Queued;

    /// <summary>The caller gives up; false when a worker already started it (the caller must then wait for it).</summary>
    public bool TryAbandon() => Interlocked.CompareExchange(ref _state, Abandoned, Queued) == Queued;
}
