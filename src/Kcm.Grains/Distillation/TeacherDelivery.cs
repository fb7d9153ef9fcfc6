using Kcm.Core.Distillation;

namespace Kcm.Grains.Distillation;

/// <summary>
/// Teacher records handed to the distiller with the ids their producers made; they stay owed until acknowledged, and
/// come back (first, where the queue can order) if returned or never acknowledged.
/// </summary>
/// <param name="DeliveryId">Identifies the hand-off for acknowledgement.</param>
/// <param name="Records">The records handed over, oldest first.</param>
/// <param name="RecordIds">The producer-made id of each record, at the same index as <paramref name="Records"/>.</param>
/// <param name="Undecodable">
/// Records the queue received but could not decode (a message whose header is unreadable counts as one); they are part
/// of the delivery, so acknowledging it removes them, and the distiller counts them as refused.
/// </param>
public sealed record TeacherDelivery(long DeliveryId, IReadOnlyList<TeacherRecord> Records, IReadOnlyList<Guid> RecordIds, int Undecodable = 0)
{
    /// <summary>An empty delivery (nothing was waiting).</summary>
    public static TeacherDelivery Empty(long deliveryId) => new(deliveryId, [], []);
}
