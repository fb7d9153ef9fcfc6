using Azure;
using Azure.Storage.Queues.Models;

namespace Kcm.Storage.Tests;

/// <summary>The queue semantics the teacher queue relies on, on Azurite with our own client (Azure.Storage.Queues).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class QueueTests(AzuriteFixture fixture)
{
    /// <summary>Time-to-live -1: the message never expires (the default, 7 days, expires silently).</summary>
    private static readonly TimeSpan NoExpiry = TimeSpan.FromSeconds(-1);

    [Fact]
    public async Task A_message_sent_without_expiry_is_leased_renewed_and_deleted_and_one_not_deleted_comes_back_with_dequeue_count_2()
    {
        var queue = QueueClients.Create(fixture.Azurite.ConnectionString, $"teacher-{Guid.NewGuid():N}");
        await queue.CreateAsync();
        var kept = new BinaryData(Enumerable.Range(0, 1024).Select(i => (byte)i).ToArray());
        var dropped = new BinaryData("dropped"u8.ToArray());

        var sent = await queue.SendMessageAsync(kept, visibilityTimeout: null, timeToLive: NoExpiry);
        await queue.SendMessageAsync(dropped, visibilityTimeout: null, timeToLive: NoExpiry);
        Assert.Equal(DateTimeOffset.MaxValue.Year, sent.Value.ExpirationTime.Year);

        // Lease both for 2 s.
        QueueMessage[] leased = (await queue.ReceiveMessagesAsync(maxMessages: 32, visibilityTimeout: TimeSpan.FromSeconds(2))).Value;
        Assert.Equal(2, leased.Length);
        Assert.All(leased, m => Assert.Equal(1, m.DequeueCount));
        var first = Assert.Single(leased, m => m.MessageId == sent.Value.MessageId);
        Assert.Equal(kept.ToArray(), first.Body.ToArray());
        Assert.Equal(DateTimeOffset.MaxValue.Year, first.ExpiresOn!.Value.Year);

        // Renew the first lease to 20 s: a new pop receipt; the old one no longer deletes it.
        var renewed = (await queue.UpdateMessageAsync(first.MessageId, first.PopReceipt, visibilityTimeout: TimeSpan.FromSeconds(20))).Value;
        Assert.NotEqual(first.PopReceipt, renewed.PopReceipt);
        var stale = await Assert.ThrowsAsync<RequestFailedException>(() => queue.DeleteMessageAsync(first.MessageId, first.PopReceipt));
        Assert.Equal(400, stale.Status);
        Assert.Equal("PopReceiptMismatch", stale.ErrorCode);

        // The second lease runs out: that message (only) comes back, dequeued a second time.
        QueueMessage[] again = [];
        await Poll.UntilAsync(
            async () => (again = (await queue.ReceiveMessagesAsync(maxMessages: 32, visibilityTimeout: TimeSpan.FromSeconds(20))).Value).Length > 0,
            TimeSpan.FromSeconds(10),
            "the undeleted message reappears after its 2 s visibility timeout");
        var back = Assert.Single(again);
        Assert.Equal(dropped.ToArray(), back.Body.ToArray());
        Assert.Equal(2, back.DequeueCount);

        await queue.DeleteMessageAsync(first.MessageId, renewed.PopReceipt);
        await queue.DeleteMessageAsync(back.MessageId, back.PopReceipt);
        Assert.Empty((await queue.PeekMessagesAsync(maxMessages: 32)).Value);
        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        await queue.DeleteAsync();
    }

    [Fact]
    public async Task Queued_and_leased_messages_survive_a_graceful_Azurite_restart_on_the_same_location()
    {
        var azurite = fixture.Azurite;
        var queue = QueueClients.Create(azurite.ConnectionString, $"durable-{Guid.NewGuid():N}");
        await queue.CreateAsync();
        await queue.SendMessageAsync(new BinaryData("queued"u8.ToArray()), visibilityTimeout: null, timeToLive: NoExpiry);
        await queue.SendMessageAsync(new BinaryData("leased"u8.ToArray()), visibilityTimeout: null, timeToLive: NoExpiry);
        var leased = Assert.Single((await queue.ReceiveMessagesAsync(maxMessages: 1, visibilityTimeout: TimeSpan.FromSeconds(1))).Value);

        await azurite.StopAsync();
        await azurite.StartAgainAsync();

        // Both are back: the one never received, and the one whose lease ran out while Azurite was down.
        PeekedMessage[] after = [];
        await Poll.UntilAsync(
            async () => (after = (await queue.PeekMessagesAsync(maxMessages: 32)).Value).Length == 2,
            TimeSpan.FromSeconds(10),
            "both messages are visible again after the restart");
        Assert.Equal(["leased", "queued"], after.Select(m => m.Body.ToString()).Order(StringComparer.Ordinal));
        var received = (await queue.ReceiveMessagesAsync(maxMessages: 32, visibilityTimeout: TimeSpan.FromSeconds(30))).Value;
        Assert.Equal(2, received.Single(m => m.MessageId == leased.MessageId).DequeueCount);
        Assert.Equal(1, received.Single(m => m.MessageId != leased.MessageId).DequeueCount);
        await queue.DeleteAsync();
    }

    [Fact]
    public async Task The_rate_measurement_receives_and_deletes_every_message_it_sends_once()
    {
        var queue = QueueClients.Create(fixture.Azurite.ConnectionString, $"rate-{Guid.NewGuid():N}");
        await queue.CreateAsync();

        var small = await QueueRate.MeasureAsync(queue, payloadBytes: 1024, messages: 40, inFlight: 4);
        var largest = await QueueRate.MeasureAsync(queue, payloadBytes: QueueRate.LargestPayloadBytes, messages: 8, inFlight: 2);

        Assert.Equal((40, 40), (small.Sent, small.Received));
        Assert.Equal((8, 8), (largest.Sent, largest.Received));
        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        await queue.DeleteAsync();
    }
}
