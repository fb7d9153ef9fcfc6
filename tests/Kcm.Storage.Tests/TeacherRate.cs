using System.Diagnostics;
using Kcm.Storage.Azure;
using Kcm.Storage.Azure.Queue;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kcm.Storage.Tests;

/// <summary>
/// Measures the teacher queue's packing on Azurite: enqueues N Fashion-MNIST-sized records at once (a producer faster
/// than the queue) and times them until every packed message is sent; then takes rounds of up to 2000 records and
/// acknowledges each until the queue is empty. Figures only: nothing here judges them.
/// </summary>
public static class TeacherRate
{
    public static async Task<TeacherRateResult> MeasureAsync(
        string connectionString, string queueName, int records, int sendConcurrency, int roundSize = 2000, CancellationToken cancellationToken = default)
    {
        using var metrics = new TestInstruments();
        var options = new AzureTeacherQueueOptions { BufferCapacity = records, SendConcurrency = sendConcurrency, LingerMilliseconds = 5 };
        var made = Enumerable.Range(0, records).Select(i => TeacherRecords.Numbered(i)).ToArray();
        await using var producer = new AzureTeacherQueue(
            AzureStorageClients.Queue(connectionString, queueName), options, metrics.Instruments, TimeProvider.System, NullLogger<AzureTeacherQueue>.Instance);
        await producer.StartAsync(cancellationToken).ConfigureAwait(false);

        var clock = Stopwatch.StartNew();
        foreach (var record in made)
        {
            if (!producer.TryEnqueue(Guid.NewGuid(), record))
            {
                throw new InvalidOperationException("The measurement's buffer refused a record.");
            }
        }

        if (!await producer.WaitUntilSentAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new OperationCanceledException("The records were not all sent.");
        }

        var enqueueSeconds = clock.Elapsed.TotalSeconds;
        var messages = metrics.Count("kcm_teacher_messages_sent_total");

        await using var taker = new AzureTeacherQueue(
            AzureStorageClients.Queue(connectionString, queueName), new AzureTeacherQueueOptions(), metrics.Instruments, TimeProvider.System, NullLogger<AzureTeacherQueue>.Instance);
        var numbers = new HashSet<int>();
        var taken = 0;
        clock.Restart();
        while (true)
        {
            var delivery = await taker.TakeAsync(roundSize, cancellationToken).ConfigureAwait(false);
            await taker.AcknowledgeAsync(delivery, cancellationToken).ConfigureAwait(false);
            if (delivery.Records.Count == 0)
            {
                break;
            }

            taken += delivery.Records.Count;
            foreach (var record in delivery.Records)
            {
                numbers.Add(TeacherRecords.NumberOf(record));
            }
        }

        return new TeacherRateResult(records, messages, enqueueSeconds, taken, numbers.Count, clock.Elapsed.TotalSeconds);
    }
}
