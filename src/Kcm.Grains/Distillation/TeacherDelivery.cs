namespace Kcm.Grains.Distillation;

/// <summary>Records handed to the distiller; they stay owed until acknowledged, and come back first if returned.</summary>
/// <param name="DeliveryId">Identifies the hand-off for acknowledgement.</param>
/// <param name="Samples">The records handed over.</param>
public sealed record TeacherDelivery(long DeliveryId, IReadOnlyList<TeacherSample> Samples);
