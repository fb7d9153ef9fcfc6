namespace Kcm.Grains.Distillation;

/// <summary>
/// Bounded, at-least-once hand-off of teacher records from serving to the distiller. The embedded implementation is
/// in-process; the distributed mode replaces it with a message broker behind this interface.
/// </summary>
public interface ITeacherQueue
{
    /// <summary>Records waiting (not yet handed over).</summary>
    int Count { get; }

    /// <summary>Queues a record; false (the record is dropped) when the queue is full, so serving never blocks on it.</summary>
    bool TryEnqueue(TeacherSample sample);

    /// <summary>Hands over up to <paramref name="maxCount"/> waiting records (possibly none).</summary>
    ValueTask<TeacherDelivery> TakeAsync(int maxCount, CancellationToken cancellationToken);

    /// <summary>The distiller is done with a delivery; its records are gone for good.</summary>
    ValueTask AcknowledgeAsync(TeacherDelivery delivery, CancellationToken cancellationToken);

    /// <summary>The distiller could not finish a delivery; its records are handed over again, first.</summary>
    ValueTask ReturnAsync(TeacherDelivery delivery, CancellationToken cancellationToken);
}
