using Kcm.Core.Distillation;

namespace Kcm.Grains.Distillation;

/// <summary>
/// Bounded, at-least-once hand-off of teacher records from the large model to the distiller: the in-process queue
/// (silo-local: one silo's large model and distiller share it) or a queue across silos (Kcm.Storage.Azure's Azure
/// Storage queue). A record may be handed over more than once (a delivery not acknowledged comes back); its producer-made
/// id lets the distiller tell (the distillation grain's ledger).
/// </summary>
public interface ITeacherQueue
{
    /// <summary>Records waiting (not yet handed over): exact for the in-process queue, an estimate for a shared queue.</summary>
    int Count { get; }

    /// <summary>
    /// Queues a record under the id its producer made, never blocking serving; false when it is refused (dropped and
    /// counted in <c>kcm_teacher_records_dropped_total</c> by reason): the queue is full, the record cannot travel, or
    /// (where the queue can tell) it already holds that id.
    /// </summary>
    bool TryEnqueue(Guid recordId, TeacherRecord record);

    /// <summary>
    /// Hands over up to <paramref name="maxCount"/> waiting records (possibly none); a queue that packs records into
    /// messages hands over whole messages, so one message holding more than <paramref name="maxCount"/> comes whole.
    /// </summary>
    ValueTask<TeacherDelivery> TakeAsync(int maxCount, CancellationToken cancellationToken);

    /// <summary>The distiller is done with a delivery; its records are gone for good.</summary>
    ValueTask AcknowledgeAsync(TeacherDelivery delivery, CancellationToken cancellationToken);

    /// <summary>The distiller could not finish a delivery; its records are handed over again, first.</summary>
    ValueTask ReturnAsync(TeacherDelivery delivery, CancellationToken cancellationToken);
}
