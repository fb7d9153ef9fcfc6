using Kcm.Abstractions.Classification;

namespace Kcm.Grains.Classification;

/// <summary>
/// One request waiting in the large model batcher. Its arrays belong to the request message (never changed); the state
/// word decides who finishes it: a worker moves Queued to Running before running it, the caller moves Queued to
/// Abandoned when its deadline passes first, and whichever wins, the other leaves it alone.
/// </summary>
internal sealed class LargeModelRequest(float[] features, float[] hints, int rows, long deadlineTimestamp)
{
    private const int Queued = 0;
    private const int Running = 1;
    private const int Abandoned = 2;

    private int _state;

    public float[] Features { get; } = features;

    public float[] Hints { get; } = hints;

    public int Rows { get; } = rows;

    /// <summary>The timestamp (of the batcher's <see cref="TimeProvider"/>) after which the request is not worth running.</summary>
    public long DeadlineTimestamp { get; } = deadlineTimestamp;

    public TaskCompletionSource<LargeModelAnswer> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A worker claims the request; false when the caller already gave up on it.</summary>
    public bool TryStart() => Interlocked.CompareExchange(ref _state, Running, Queued) == Queued;

    /// <summary>The caller gives up; false when a worker already started it (the caller then waits for it).</summary>
    public bool TryAbandon() => Interlocked.CompareExchange(ref _state, Abandoned, Queued) == Queued;
}
