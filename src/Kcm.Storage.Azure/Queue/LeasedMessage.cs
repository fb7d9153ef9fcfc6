namespace Kcm.Storage.Azure.Queue;

/// <summary>One received message of an outstanding delivery: its id and the pop receipt of its latest lease renewal.</summary>
internal sealed class LeasedMessage(string messageId, string popReceipt, int records)
{
    public string MessageId { get; } = messageId;

    /// <summary>Changes with every renewal; only the newest deletes or releases the message.</summary>
    public string PopReceipt { get; set; } = popReceipt;

    /// <summary>Records the message holds (0 when it could not be decoded).</summary>
    public int Records { get; } = records;

    /// <summary>Whether a renewal found the lease gone (ended, or taken by another receiver): this holder can no longer delete it.</summary>
    public bool Lost { get; set; }
}
