using System.Buffers.Binary;
using Azure.Storage.Queues;

namespace Kcm.Storage.Tests;

/// <summary>
/// Measures what one queue client moves: sends N messages of one size (time-to-live -1), then receives them in batches
/// of 32 and deletes each. Every payload starts with its index, so a lost or duplicated message is an error, not a
/// figure. Figures only: nothing here judges them.
/// </summary>
public static class QueueRate
{
    /// <summary>The most record bytes one message carries: Base64 makes 48 KiB into 64 KiB, the queue's message limit.</summary>
    public const int LargestPayloadBytes = 48 * 1024;

    private const int ReceiveBatch = 32;
    private static readonly TimeSpan NoExpiry = TimeSpan.FromSeconds(-1);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);

    public static async Task<QueueRateResult> MeasureAsync(QueueClient queue, int payloadBytes, int messages, int inFlight, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(payloadBytes, sizeof(int));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payloadBytes, LargestPayloadBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(messages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inFlight, 1);

        var filler = new byte[payloadBytes];
        new Random(payloadBytes).NextBytes(filler);

        var next = -1;
        var sendClock = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            // Each sender owns its buffer: the SDK reads it while the request is in flight.
            var payload = (byte[])filler.Clone();
            int index;
            while ((index = Interlocked.Increment(ref next)) < messages)
            {
                BinaryPrimitives.WriteInt32LittleEndian(payload, index);
                await queue.SendMessageAsync(new BinaryData(payload), visibilityTimeout: null, timeToLive: NoExpiry, cancellationToken).ConfigureAwait(false);
            }
        })).ConfigureAwait(false);
        var sendTime = sendClock.Elapsed;

        var seen = new int[messages];
        var received = 0;
        var receiveClock = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            var emptyInARow = 0;
            while (Volatile.Read(ref received) < messages && emptyInARow < 3)
            {
                var batch = (await queue.ReceiveMessagesAsync(ReceiveBatch, Lease, cancellationToken).ConfigureAwait(false)).Value;
                emptyInARow = batch.Length == 0 ? emptyInARow + 1 : 0;
                foreach (var message in batch)
                {
                    var index = BinaryPrimitives.ReadInt32LittleEndian(message.Body.ToMemory().Span);
                    if ((uint)index >= (uint)messages || Interlocked.Exchange(ref seen[index], 1) == 1)
                    {
                        throw new InvalidOperationException($"Message {index} arrived twice or was never sent (dequeue count {message.DequeueCount}).");
                    }

                    await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
                    Interlocked.Increment(ref received);
                }
            }
        })).ConfigureAwait(false);

        return new QueueRateResult(payloadBytes, inFlight, messages, received, sendTime, receiveClock.Elapsed);
    }
}
