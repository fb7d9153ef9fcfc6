using Kcm.Core.Distillation;
using Kcm.Grains.Distillation;
using Kcm.Storage.Azure.Queue;

namespace Kcm.Storage.Tests.Accounting;

/// <summary>
/// The silo's Azure teacher queue, except that acknowledgement number <see cref="CrashAt"/> (counting non-empty
/// deliveries) is where the silo "dies": between the distillation grain's state write and the delete. The delivery is
/// abandoned (never deleted; its messages come back when the lease ends), the acknowledgement throws, and from then on
/// this silo's queue hands over nothing and takes nothing, as a dead silo would.
/// </summary>
public sealed class CrashingTeacherQueue(AzureTeacherQueue inner, int crashAt) : ITeacherQueue
{
    private readonly TaskCompletionSource<TeacherDelivery> _crashed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _acknowledged;

    /// <summary>Which non-empty acknowledgement crashes (1 = the first; 0 = none).</summary>
    public int CrashAt { get; } = crashAt;

    /// <summary>Completes with the abandoned delivery when the crash happened.</summary>
    public Task<TeacherDelivery> Crashed => _crashed.Task;

    private bool Dead => _crashed.Task.IsCompleted;

    public int Count => Dead ? 0 : inner.Count;

    public bool TryEnqueue(Guid recordId, TeacherRecord record) => !Dead && inner.TryEnqueue(recordId, record);

    public ValueTask<TeacherDelivery> TakeAsync(int maxCount, CancellationToken cancellationToken) =>
        Dead ? ValueTask.FromResult(TeacherDelivery.Empty(0)) : inner.TakeAsync(maxCount, cancellationToken);

    public ValueTask AcknowledgeAsync(TeacherDelivery delivery, CancellationToken cancellationToken)
    {
        if (delivery.Records.Count > 0 && Interlocked.Increment(ref _acknowledged) == CrashAt)
        {
            inner.Abandon(delivery);
            _crashed.TrySetResult(delivery);
            throw new IOException("Injected crash between the distillation state write and the delete.");
        }

        return Dead ? ValueTask.CompletedTask : inner.AcknowledgeAsync(delivery, cancellationToken);
    }

    public ValueTask ReturnAsync(TeacherDelivery delivery, CancellationToken cancellationToken) =>
        Dead ? ValueTask.CompletedTask : inner.ReturnAsync(delivery, cancellationToken);
}
