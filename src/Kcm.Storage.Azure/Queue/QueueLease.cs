namespace Kcm.Storage.Azure.Queue;

/// <summary>
/// The messages of one outstanding delivery, renewed until it is acknowledged, returned or abandoned. Renewal and the
/// end of the lease take <see cref="Gate"/>, so a delete never uses a pop receipt a renewal is replacing.
/// </summary>
internal sealed class QueueLease(long deliveryId)
{
    public long DeliveryId { get; } = deliveryId;

    public List<LeasedMessage> Messages { get; } = [];

    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Records in the lease's messages.</summary>
    public int Records { get; set; }

    private volatile bool _closed;

    /// <summary>Set when the lease ended (under <see cref="Gate"/>, or by abandoning): renewals stop.</summary>
    public bool Closed
    {
        get => _closed;
        set => _closed = value;
    }
}
