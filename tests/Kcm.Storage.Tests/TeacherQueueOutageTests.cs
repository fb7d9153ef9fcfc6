using System.Diagnostics;
using Kcm.Storage.Azure;
using Kcm.Storage.Azure.Queue;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Kcm.Storage.Tests;

/// <summary>
/// The teacher queue's producer side while Azurite is down: records buffered up to the bound, refused and counted
/// beyond it, sends retried with backoff (not in a spin) while keeping their batch, and every buffered record sent once
/// Azurite is back; produced = sent + buffered + refused at every step.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class TeacherQueueOutageTests(AzuriteFixture fixture, ITestOutputHelper output) : IDisposable
{
    private const int Capacity = 60;
    private const int Senders = 2;
    private const int RetryMaxMilliseconds = 400;

    private readonly TestInstruments _metrics = new();

    [Fact]
    public async Task While_Azurite_is_down_records_are_buffered_to_the_bound_refused_and_counted_beyond_it_and_every_buffered_one_arrives_after_the_restart()
    {
        var azurite = fixture.Azurite;
        var name = $"teacher-{Guid.NewGuid():N}";
        var options = new AzureTeacherQueueOptions { BufferCapacity = Capacity, SendConcurrency = Senders, RetryMaxMilliseconds = RetryMaxMilliseconds };
        await using var queue = new AzureTeacherQueue(
            AzureStorageClients.Queue(azurite.ConnectionString, name), options, _metrics.Instruments, TimeProvider.System, NullLogger<AzureTeacherQueue>.Instance);
        await queue.StartAsync();
        var accepted = Enqueue(queue, 0, 10);
        Assert.True(await queue.WaitUntilSentAsync(Timeout(30)));

        await azurite.StopAsync();
        var down = Stopwatch.StartNew();
        accepted += Enqueue(queue, 10, 100);
        // Each sender holds one message and retries it; the rest wait in the buffer. Count the retries over 3 s.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var errorsBefore = _metrics.Count("kcm_teacher_queue_errors_total", "operation=send");
        var window = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(3));
        var retries = _metrics.Count("kcm_teacher_queue_errors_total", "operation=send") - errorsBefore;
        var windowSeconds = window.Elapsed.TotalSeconds;
        var whileDown = (queue.Produced, queue.Sent, queue.Buffered, queue.Refused);

        await azurite.StartAgainAsync();
        var outage = down.Elapsed;
        var back = Stopwatch.StartNew();
        Assert.True(await queue.WaitUntilSentAsync(Timeout(60)), $"{queue.Buffered} records still unsent 60 s after the restart");
        var drained = back.Elapsed;
        var delivery = await queue.TakeAsync(1000, CancellationToken.None);
        await queue.AcknowledgeAsync(delivery, CancellationToken.None);
        output.WriteLine(
            $"Azurite down {outage.TotalSeconds:F1} s: produced {whileDown.Produced} = sent {whileDown.Sent} + buffered {whileDown.Buffered} + refused {whileDown.Refused}; "
            + $"{retries} failed sends in {windowSeconds:F1} s by {Senders} senders (longest wait {RetryMaxMilliseconds} ms); after the restart ({azurite.LastStartDuration.TotalSeconds:F2} s) "
            + $"the buffer was sent in {drained.TotalSeconds:F2} s: produced {queue.Produced} = sent {queue.Sent} + buffered {queue.Buffered} + refused {queue.Refused}; "
            + $"taken from the queue: {delivery.Records.Count} records");

        // While down: the first 10 sent, then exactly the bound buffered and the rest refused, counted as full.
        Assert.Equal((110L, 10L, (long)Capacity, 110L - 10 - Capacity), whileDown);
        Assert.Equal(10 + Capacity, accepted);
        Assert.Equal(110 - 10 - Capacity, _metrics.Count("kcm_teacher_records_dropped_total", "reason=full"));
        // Retried, but with backoff: a spinning sender would fail thousands of times in 3 s. Each failed attempt waits
        // at least half of its backoff (>= 50 ms, growing to >= 200 ms) besides the SDK's own two retries.
        Assert.InRange(retries, 1, (long)Math.Ceiling(Senders * windowSeconds / 0.2) + Senders);
        // After: every accepted record sent exactly once, the held batches included; nothing left, nothing lost.
        Assert.Equal((110L, 10L + Capacity, 0L, 110L - 10 - Capacity), (queue.Produced, queue.Sent, queue.Buffered, queue.Refused));
        Assert.Equal(queue.Sent, _metrics.Count("kcm_teacher_records_sent_total"));
        Assert.Equal(Enumerable.Range(0, 10 + Capacity), delivery.Records.Select(TeacherRecords.NumberOf).Order());
    }

    public void Dispose() => _metrics.Dispose();

    private static int Enqueue(AzureTeacherQueue queue, int first, int count) =>
        Enumerable.Range(first, count).Count(i => queue.TryEnqueue(Guid.NewGuid(), TeacherRecords.Numbered(i)));

    private static CancellationToken Timeout(int seconds) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;
}
