using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Kcm.Core.Distillation;
using Kcm.Grains.Distillation;
using Kcm.Storage.Azure;
using Kcm.Storage.Azure.Queue;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kcm.Storage.Tests;

/// <summary>The teacher queue on Azure Storage Queues (AzureTeacherQueue) on a real Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TeacherQueueTests(AzuriteFixture fixture) : IDisposable
{
    /// <summary>Fashion-sized records per 48 KiB message: (49,152 - 8) / 3,249.</summary>
    private const int RecordsPerFullMessage = 15;

    private readonly TestInstruments _metrics = new();

    [Fact]
    public async Task Records_are_packed_many_to_a_message_of_at_most_64_KiB_encoded_sent_without_expiry_and_taken_exactly()
    {
        var name = NewQueueName();
        await using var queue = Queue(name);
        var sent = Enumerable.Range(0, 100).Select(i => (Id: Guid.NewGuid(), Record: TeacherRecords.Numbered(i, withJudge: i % 3 != 0, label: i % 4 == 0 ? i % 10 : null))).ToArray();
        foreach (var (id, record) in sent)
        {
            Assert.True(queue.TryEnqueue(id, record));
        }

        await queue.StartAsync();
        Assert.True(await queue.WaitUntilSentAsync(Timeout(30)));

        // On the wire: Base64 text, never above a queue message's 64 KiB; many records per message.
        PeekedMessage[] raw = (await RawClient(name).PeekMessagesAsync(32)).Value;
        Assert.All(raw, m => Assert.InRange(m.Body.ToMemory().Length, 1, 64 * 1024));
        Assert.All(raw, m => Assert.Equal(9999, m.ExpiresOn!.Value.Year));
        var perMessage = raw.Select(m => TeacherRecordCodec.ReadHeader(Convert.FromBase64String(m.Body.ToString()))).ToArray();
        Assert.Equal(100, perMessage.Sum());
        Assert.Equal(RecordsPerFullMessage, perMessage.Max());
        Assert.InRange(raw.Length, 7, 7 + 3); // 100 / 15 full messages, plus at most one part-filled one per other sender

        var delivery = await queue.TakeAsync(1000, CancellationToken.None);

        var taken = delivery.RecordIds.Zip(delivery.Records).ToDictionary(p => p.First, p => p.Second);
        Assert.Equal(100, taken.Count);
        foreach (var (id, record) in sent)
        {
            Assert.True(Same(record, taken[id]), $"record {TeacherRecords.NumberOf(record)} changed on the way");
        }

        await queue.AcknowledgeAsync(delivery, CancellationToken.None);
        Assert.Empty((await RawClient(name).PeekMessagesAsync(32)).Value);
        Assert.Equal(perMessage.Length, _metrics.Count("kcm_teacher_messages_sent_total"));
    }

    [Fact]
    public async Task A_take_hands_over_whole_messages_up_to_its_count_and_a_message_larger_than_the_count_whole()
    {
        await using var queue = Queue(NewQueueName(), o => o.SendConcurrency = 1);
        EnqueueNumbered(queue, 0, 45); // before the start: three full messages
        await queue.StartAsync();
        Assert.True(await queue.WaitUntilSentAsync(Timeout(30)));

        var first = await queue.TakeAsync(20, CancellationToken.None);   // a second message would overfill it: back at once
        var second = await queue.TakeAsync(20, CancellationToken.None);
        var third = await queue.TakeAsync(5, CancellationToken.None);    // one message, whole
        var none = await queue.TakeAsync(20, CancellationToken.None);

        Assert.Equal([15, 15, 15, 0], new[] { first, second, third, none }.Select(d => d.Records.Count));
        Assert.Equal(45, new[] { first, second, third }.SelectMany(d => d.Records).Select(TeacherRecords.NumberOf).Distinct().Count());
        foreach (var delivery in new[] { first, second, third, none })
        {
            await queue.AcknowledgeAsync(delivery, CancellationToken.None);
        }
    }

    [Fact]
    public async Task An_acknowledged_delivery_is_deleted_and_a_returned_one_comes_back_at_once()
    {
        var name = NewQueueName();
        await using var queue = Queue(name);
        await queue.StartAsync();
        EnqueueNumbered(queue, 0, 30);
        Assert.True(await queue.WaitUntilSentAsync(Timeout(30)));

        var taken = await queue.TakeAsync(1000, CancellationToken.None);
        await queue.ReturnAsync(taken, CancellationToken.None);
        var again = await queue.TakeAsync(1000, CancellationToken.None);
        await queue.AcknowledgeAsync(again, CancellationToken.None);
        var after = await queue.TakeAsync(1000, CancellationToken.None);

        Assert.Equal(30, taken.Records.Count);
        Assert.Equal(taken.RecordIds.Order(), again.RecordIds.Order());
        Assert.Empty(after.Records);
        Assert.Equal(0, queue.OutstandingDeliveries);
        Assert.Equal(0, (await RawClient(name).GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task A_lease_is_renewed_while_its_delivery_is_outstanding_and_an_abandoned_one_comes_back_when_its_lease_ends()
    {
        var name = NewQueueName();
        await using var holder = Queue(name, o => (o.LeaseSeconds, o.SendConcurrency) = (2, 1));
        await using var other = Queue(name, o => o.LeaseSeconds = 2);
        EnqueueNumbered(holder, 0, 30); // before the start: two full messages
        await holder.StartAsync();
        await other.StartAsync();
        Assert.True(await holder.WaitUntilSentAsync(Timeout(30)));
        var kept = await holder.TakeAsync(15, CancellationToken.None);
        var dropped = await holder.TakeAsync(15, CancellationToken.None);
        Assert.Equal((15, 15), (kept.Records.Count, dropped.Records.Count));

        // The holder "dies" with one delivery and keeps training on the other, for 2.5 leases.
        holder.Abandon(dropped);
        await Task.Delay(TimeSpan.FromSeconds(5));
        var seen = await other.TakeAsync(1000, CancellationToken.None);

        // Only the abandoned delivery came back; the renewed one is still the holder's, and deleting it works.
        Assert.Equal(dropped.RecordIds.Order(), seen.RecordIds.Order());
        await holder.AcknowledgeAsync(kept, CancellationToken.None);
        await other.AcknowledgeAsync(seen, CancellationToken.None);
        Assert.Equal(0, (await RawClient(name).GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task Records_enqueued_while_Azurite_is_down_stay_buffered_and_all_arrive_after_it_restarts()
    {
        var azurite = fixture.Azurite;
        await using var queue = Queue(NewQueueName(), o => o.RetryMaxMilliseconds = 500);
        await queue.StartAsync();
        EnqueueNumbered(queue, 0, 10);
        Assert.True(await queue.WaitUntilSentAsync(Timeout(30)));

        await azurite.StopAsync();
        EnqueueNumbered(queue, 10, 40);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var bufferedWhileDown = queue.Buffered;
        await azurite.StartAgainAsync();

        Assert.True(await queue.WaitUntilSentAsync(Timeout(30)), $"{queue.Buffered} records still unsent after the restart");
        var delivery = await queue.TakeAsync(1000, CancellationToken.None);
        await queue.AcknowledgeAsync(delivery, CancellationToken.None);
        Assert.Equal(40, bufferedWhileDown);
        Assert.True(_metrics.Count("kcm_teacher_queue_errors_total", "operation=send") > 0);
        Assert.Equal(Enumerable.Range(0, 50), delivery.Records.Select(TeacherRecords.NumberOf).Order());
        Assert.Equal(0, queue.Refused);
    }

    [Fact]
    public async Task The_buffer_bound_refuses_and_counts_records_beyond_it_as_does_a_record_too_large_for_a_message()
    {
        await using var queue = Queue(NewQueueName(), o => o.BufferCapacity = 10);
        var accepted = Enumerable.Range(0, 15).Count(i => queue.TryEnqueue(Guid.NewGuid(), TeacherRecords.Numbered(i)));
        var huge = new TeacherRecord(new float[13_000], new float[10], null, null);

        Assert.Equal(10, accepted);
        Assert.False(queue.TryEnqueue(Guid.NewGuid(), huge));
        Assert.Equal(6, queue.Refused);
        Assert.Equal(5, _metrics.Count("kcm_teacher_records_dropped_total", "reason=full"));
        Assert.Equal(1, _metrics.Count("kcm_teacher_records_dropped_total", "reason=too-large"));
        Assert.Equal(10, _metrics.Count("kcm_teacher_records_queued_total"));

        // Once sent, there is room again.
        await queue.StartAsync();
        Assert.True(await queue.WaitUntilSentAsync(Timeout(30)));
        Assert.True(queue.TryEnqueue(Guid.NewGuid(), TeacherRecords.Numbered(99)));
    }

    [Fact]
    public async Task An_undecodable_message_is_handed_over_counted_and_removed_with_its_delivery()
    {
        var name = NewQueueName();
        await using var queue = Queue(name);
        await queue.StartAsync();
        EnqueueNumbered(queue, 0, 15);
        Assert.True(await queue.WaitUntilSentAsync(Timeout(30)));
        await AzureStorageClients.Queue(fixture.Azurite.ConnectionString, name).SendMessageAsync(new BinaryData("not records"u8.ToArray()));

        var delivery = await queue.TakeAsync(1000, CancellationToken.None);
        await queue.AcknowledgeAsync(delivery, CancellationToken.None);

        Assert.Equal((15, 1), (delivery.Records.Count, delivery.Undecodable));
        Assert.Equal(0, (await RawClient(name).GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task Stopping_sends_what_is_buffered_first_and_refuses_records_after()
    {
        var name = NewQueueName();
        var queue = Queue(name, o => o.LingerMilliseconds = 200);
        await queue.StartAsync();
        EnqueueNumbered(queue, 0, 20);

        await queue.StopAsync();

        Assert.False(queue.TryEnqueue(Guid.NewGuid(), TeacherRecords.Numbered(20)));
        await queue.DisposeAsync();
        await using var reader = Queue(name);
        var delivery = await reader.TakeAsync(1000, CancellationToken.None);
        await reader.AcknowledgeAsync(delivery, CancellationToken.None);
        Assert.Equal(20, delivery.Records.Count);
        Assert.Equal(1, _metrics.Count("kcm_teacher_records_dropped_total", "reason=unsent-at-stop"));
    }

    [Fact]
    public async Task Count_estimates_the_records_waiting_from_the_queue_length()
    {
        var name = NewQueueName();
        await using var producer = Queue(name, o => o.SendConcurrency = 1);
        EnqueueNumbered(producer, 0, 45);
        await producer.StartAsync();
        Assert.True(await producer.WaitUntilSentAsync(Timeout(30)));
        await using var distiller = Queue(name);
        await distiller.StartAsync();

        // The distiller never sent anything: it learns records per message by peeking.
        await Poll.UntilAsync(() => distiller.Count == 45, TimeSpan.FromSeconds(10), $"Count 45 (is {distiller.Count})");
        var delivery = await distiller.TakeAsync(15, CancellationToken.None);
        Assert.Equal(30, distiller.Count);
        await distiller.AcknowledgeAsync(delivery, CancellationToken.None);
        await Poll.UntilAsync(() => distiller.Count == 30, TimeSpan.FromSeconds(10), $"Count 30 after the delete (is {distiller.Count})");
    }

    [Fact]
    public async Task The_rate_measurement_takes_every_record_it_enqueues_once()
    {
        var result = await TeacherRate.MeasureAsync(fixture.Azurite.ConnectionString, NewQueueName(), records: 300, sendConcurrency: 4, roundSize: 100);

        Assert.Equal((300, 300, 300), (result.Records, result.Taken, result.Distinct));
        Assert.InRange(result.Messages, 20, 23); // 300 / 15, plus at most one part-filled message per other sender
    }

    public void Dispose() => _metrics.Dispose();

    private AzureTeacherQueue Queue(string name, Action<AzureTeacherQueueOptions>? configure = null)
    {
        var options = new AzureTeacherQueueOptions { LingerMilliseconds = 5, CountRefreshMilliseconds = 200, StopFlushSeconds = 10 };
        configure?.Invoke(options);
        return new AzureTeacherQueue(
            AzureStorageClients.Queue(fixture.Azurite.ConnectionString, name), options, _metrics.Instruments, TimeProvider.System, NullLogger<AzureTeacherQueue>.Instance);
    }

    /// <summary>A client that sees messages as they are on the wire (Base64 text).</summary>
    private QueueClient RawClient(string name) => new(fixture.Azurite.ConnectionString, name, new QueueClientOptions(AzureStorageClients.QueueVersion));

    private static void EnqueueNumbered(AzureTeacherQueue queue, int first, int count)
    {
        for (var i = first; i < first + count; i++)
        {
            Assert.True(queue.TryEnqueue(Guid.NewGuid(), TeacherRecords.Numbered(i)));
        }
    }

    private static bool Same(TeacherRecord a, TeacherRecord b) =>
        a.Features.AsSpan().SequenceEqual(b.Features) && a.TeacherProbabilities.AsSpan().SequenceEqual(b.TeacherProbabilities)
        && (a.JudgeProbabilities is null ? b.JudgeProbabilities is null : b.JudgeProbabilities is not null && a.JudgeProbabilities.AsSpan().SequenceEqual(b.JudgeProbabilities))
        && a.Label == b.Label;

    private static string NewQueueName() => $"teacher-{Guid.NewGuid():N}";

    private static CancellationToken Timeout(int seconds) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;
}
