using System.Collections.Concurrent;
using System.Threading.Channels;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Kcm.Core.Distillation;
using Kcm.Grains.Distillation;
using Kcm.Grains.Telemetry;
using Microsoft.Extensions.Logging;

namespace Kcm.Storage.Azure.Queue;

/// <summary>
/// The teacher queue on one Azure Storage queue per model, shared by every silo. Producers (the large model's grains)
/// never wait: <see cref="TryEnqueue"/> puts a record into a bounded in-memory buffer, and background senders pack
/// buffered records into messages of at most <see cref="AzureTeacherQueueOptions.MaxMessageBytes"/> record bytes
/// (<see cref="TeacherRecordCodec"/>, Base64 on the wire), sent with no expiry; while the queue is unreachable the
/// records stay buffered and sends are retried. <see cref="TakeAsync"/> receives whole messages (at most 32 per
/// receive) under a lease it renews until the delivery is acknowledged (deleted), returned (visible again at once)
/// or abandoned (visible again when the lease ends). Start it with <see cref="StartAsync"/> (a silo does so through
/// its lifecycle) and stop it with <see cref="StopAsync"/>, which first sends what is buffered.
/// </summary>
public sealed class AzureTeacherQueue : ITeacherQueue, IAsyncDisposable
{
    private const int MaxMessagesPerReceive = 32;
    private const int ParallelRequests = 8;

    /// <summary>No expiry: the default of 7 days would drop records silently.</summary>
    private static readonly TimeSpan NoExpiry = TimeSpan.FromSeconds(-1);

    private readonly QueueClient _client;
    private readonly AzureTeacherQueueOptions _options;
    private readonly KcmInstruments _instruments;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<PendingRecord> _incoming;
    private readonly ConcurrentDictionary<long, QueueLease> _leases = new();
    private readonly CancellationTokenSource _halt = new();
    private readonly TimeSpan _lease;
    private readonly Lock _lifecycle = new();
    private Task[] _loops = [];
    private Task? _created;
    private long _produced;
    private long _sent;
    private long _buffered;
    private long _refused;
    private long _nextDeliveryId;
    private long _approximateMessages;
    private double _recordsPerMessage;
    private int _failingSends;
    private bool _started;
    private bool _stopped;

    public AzureTeacherQueue(QueueClient client, AzureTeacherQueueOptions options, KcmInstruments instruments, TimeProvider time, ILogger<AzureTeacherQueue> logger)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems(string.Empty).ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid teacher queue settings: " + string.Join(" ", problems), nameof(options));
        }

        _client = client;
        _options = options;
        _instruments = instruments;
        _time = time;
        _logger = logger;
        _lease = TimeSpan.FromSeconds(options.LeaseSeconds);
        // Bounded twice over: _buffered (which also counts records in messages being sent) refuses beyond the capacity
        // before a write, and the channel itself can never hold more, so no code path can grow it without limit.
        _incoming = Channel.CreateBounded<PendingRecord>(new BoundedChannelOptions(options.BufferCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
        instruments.AddGauge("kcm_teacher_queue_depth", "{record}", "Teacher records waiting for the distiller (on a shared queue: an estimate).", () => Count);
        instruments.AddGauge("kcm_teacher_queue_buffered", "{record}", "Teacher records accepted on this silo and not yet sent to the shared queue.", () => Buffered);
        instruments.AddGauge("kcm_teacher_queue_buffer_capacity", "{record}", "The most teacher records this silo buffers; beyond it records are refused (reason full).", () => (long)options.BufferCapacity);
    }

    /// <summary>The Azure Storage queue's name.</summary>
    public string QueueName => _client.Name;

    /// <summary>Records offered to <see cref="TryEnqueue"/> since start, accepted or not.</summary>
    /// <remarks>
    /// <see cref="Produced"/> = <see cref="Sent"/> + <see cref="Buffered"/> + <see cref="Refused"/>, exactly, whenever
    /// no call is between its counts (e.g. read with producers stopped, or while the queue is unreachable).
    /// </remarks>
    public long Produced => Interlocked.Read(ref _produced);

    /// <summary>Records in messages whose send succeeded.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Records accepted and not yet sent (in the buffer or in a message being sent).</summary>
    public long Buffered => Interlocked.Read(ref _buffered);

    /// <summary>Records refused by <see cref="TryEnqueue"/> since start (full, too large, stopping) and left unsent at stop.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Outstanding deliveries (taken, not yet acknowledged, returned or abandoned).</summary>
    public int OutstandingDeliveries => _leases.Count;

    /// <summary>
    /// An estimate: records buffered here plus the queue's approximate message count (read every
    /// <see cref="AzureTeacherQueueOptions.CountRefreshMilliseconds"/>) times the records per message seen, less those
    /// this instance holds leased.
    /// </summary>
    public int Count
    {
        get
        {
            var leased = 0L;
            foreach (var lease in _leases.Values)
            {
                leased += lease.Records;
            }

            var queued = Interlocked.Read(ref _approximateMessages) * Math.Max(1, Volatile.Read(ref _recordsPerMessage));
            return (int)Math.Min(int.MaxValue, Buffered + Math.Max(0, queued - leased));
        }
    }

    /// <summary>Starts the senders, the lease renewal and the length estimate (once; later calls do nothing). Never waits for the queue.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_lifecycle)
        {
            if (_started || _stopped)
            {
                return Task.CompletedTask;
            }

            _started = true;
            var loops = new List<Task>();
            for (var i = 0; i < _options.SendConcurrency; i++)
            {
                loops.Add(Task.Run(SendLoopAsync, CancellationToken.None));
            }

            loops.Add(Task.Run(RenewLoopAsync, CancellationToken.None));
            loops.Add(Task.Run(CountLoopAsync, CancellationToken.None));
            _loops = [.. loops];
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops: no record is accepted any more; buffered records are sent for up to
    /// <see cref="AzureTeacherQueueOptions.StopFlushSeconds"/> (or until <paramref name="cancellationToken"/>), and
    /// what is left is counted as refused (<c>unsent-at-stop</c>). Outstanding deliveries are abandoned: their messages
    /// come back when their lease ends.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        Task[] loops;
        lock (_lifecycle)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            loops = _loops;
        }

        _incoming.Writer.TryComplete();
        using (var flush = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            flush.CancelAfter(TimeSpan.FromSeconds(_options.StopFlushSeconds));
            await WaitUntilSentAsync(flush.Token).ConfigureAwait(false);
        }

        await _halt.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var lease in _leases.Values)
        {
            lease.Closed = true;
        }

        _leases.Clear();
        var unsent = Interlocked.Exchange(ref _buffered, 0);
        if (unsent > 0)
        {
            Interlocked.Add(ref _refused, unsent);
            _instruments.TeacherRecordsDropped.Add(unsent, new KeyValuePair<string, object?>(TeacherRefusal.Tag, TeacherRefusal.Unsent));
            _logger.LogError("{Count} teacher records were still unsent when the teacher queue stopped; they are dropped.", unsent);
        }
    }

    /// <summary>Waits until every accepted record has been sent (or <paramref name="cancellationToken"/> ends the wait); true when all were.</summary>
    public async Task<bool> WaitUntilSentAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (Buffered > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10), _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }

        return Buffered == 0;
    }

    public bool TryEnqueue(Guid recordId, TeacherRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Interlocked.Increment(ref _produced);
        var size = TeacherRecordCodec.SizeOf(record);
        if (size > _options.MaxMessageBytes - TeacherRecordCodec.HeaderBytes)
        {
            return Refuse(TeacherRefusal.TooLarge);
        }

        if (Interlocked.Increment(ref _buffered) > _options.BufferCapacity)
        {
            Interlocked.Decrement(ref _buffered);
            return Refuse(TeacherRefusal.Full);
        }

        if (!_incoming.Writer.TryWrite(new PendingRecord(recordId, record, size)))
        {
            Interlocked.Decrement(ref _buffered);
            return Refuse(TeacherRefusal.Unsent);
        }

        _instruments.TeacherRecordsQueued.Add(1);
        return true;
    }

    public async ValueTask<TeacherDelivery> TakeAsync(int maxCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var lease = new QueueLease(Interlocked.Increment(ref _nextDeliveryId));
        var records = new List<TeacherRecord>();
        var ids = new List<Guid>();
        var released = new List<LeasedMessage>();
        var undecodable = 0;
        try
        {
            var full = false;
            while (!full)
            {
                // Whole messages only: ask for about as many as the records still wanted fill.
                var perMessage = Math.Max(1, Volatile.Read(ref _recordsPerMessage));
                var want = (int)Math.Clamp(Math.Ceiling((maxCount - records.Count) / perMessage), 1, MaxMessagesPerReceive);
                QueueMessage[] received = (await _client.ReceiveMessagesAsync(want, _lease, cancellationToken).ConfigureAwait(false)).Value;
                foreach (var message in received)
                {
                    if (full)
                    {
                        released.Add(new LeasedMessage(message.MessageId, message.PopReceipt, 0));
                        continue;
                    }

                    var before = records.Count;
                    try
                    {
                        var body = message.Body.ToMemory();
                        var count = TeacherRecordCodec.ReadHeader(body.Span);
                        if (before > 0 && before + count > maxCount)
                        {
                            // It would overfill the delivery: back to the queue at once.
                            released.Add(new LeasedMessage(message.MessageId, message.PopReceipt, 0));
                            full = true;
                            continue;
                        }

                        TeacherRecordCodec.Read(body.Span, ids, records);
                        Observe(count);
                    }
                    catch (InvalidDataException e)
                    {
                        // Undecodable: part of the delivery, so acknowledging it removes it; the distiller counts it refused.
                        var claimed = TeacherRecordCodec.ClaimedCount(message.Body.ToMemory().Span);
                        undecodable += claimed;
                        _logger.LogError("Teacher queue message {MessageId} cannot be decoded ({Reason}); counted as {Count} refused records.", message.MessageId, e.Message, claimed);
                    }

                    lease.Messages.Add(new LeasedMessage(message.MessageId, message.PopReceipt, records.Count - before));
                    full = records.Count >= maxCount;
                }

                if (received.Length < want)
                {
                    break;
                }
            }
        }
        catch (Exception)
        {
            // What was received goes back (or comes back when its lease ends, should this fail too).
            await ReleaseAsync([.. lease.Messages, .. released]).ConfigureAwait(false);
            throw;
        }

        if (released.Count > 0)
        {
            await ReleaseAsync(released).ConfigureAwait(false);
        }

        lease.Records = records.Count;
        if (lease.Messages.Count > 0)
        {
            _leases[lease.DeliveryId] = lease;
        }

        return new TeacherDelivery(lease.DeliveryId, records, ids, undecodable);
    }

    /// <exception cref="TeacherQueueException">Some messages could not be deleted; they come back when their lease ends.</exception>
    public async ValueTask AcknowledgeAsync(TeacherDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (!_leases.TryRemove(delivery.DeliveryId, out var lease))
        {
            return;
        }

        var failed = 0;
        Exception? last = null;
        await lease.Gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            lease.Closed = true;
            await ForEachAsync(lease.Messages, async message =>
            {
                if (message.Lost)
                {
                    return;
                }

                try
                {
                    await _client.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None).ConfigureAwait(false);
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                    // Already gone.
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref failed);
                    last = e;
                    Error("delete");
                }
            }).ConfigureAwait(false);
        }
        finally
        {
            lease.Gate.Release();
        }

        var lost = lease.Messages.Count(m => m.Lost);
        if (failed > 0 || lost > 0)
        {
            throw new TeacherQueueException(
                $"{failed + lost} of {lease.Messages.Count} messages of delivery {delivery.DeliveryId} could not be deleted "
                + $"({lost} had lost their lease); they come back to a receiver.", last);
        }
    }

    public async ValueTask ReturnAsync(TeacherDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (!_leases.TryRemove(delivery.DeliveryId, out var lease))
        {
            return;
        }

        await lease.Gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            lease.Closed = true;
            await ReleaseAsync(lease.Messages).ConfigureAwait(false);
        }
        finally
        {
            lease.Gate.Release();
        }
    }

    /// <summary>
    /// Forgets a delivery without deleting or releasing it, as a holder that dies does: its lease is no longer renewed,
    /// and its messages come back when the lease ends.
    /// </summary>
    public void Abandon(TeacherDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        if (_leases.TryRemove(delivery.DeliveryId, out var lease))
        {
            lease.Closed = true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _halt.Dispose();
    }

    private bool Refuse(string reason)
    {
        Interlocked.Increment(ref _refused);
        _instruments.TeacherRecordsDropped.Add(1, new KeyValuePair<string, object?>(TeacherRefusal.Tag, reason));
        return false;
    }

    /// <summary>One sender: packs what is buffered into a message and sends it until it succeeds; repeats until stopped.</summary>
    private async Task SendLoopAsync()
    {
        var halt = _halt.Token;
        var message = new byte[_options.MaxMessageBytes];
        PendingRecord? carried = null;
        try
        {
            while (true)
            {
                if (carried is null && !await _incoming.Reader.WaitToReadAsync(halt).ConfigureAwait(false))
                {
                    return; // stopped and drained
                }

                var length = TeacherRecordCodec.HeaderBytes;
                var count = 0;
                var lingered = _options.LingerMilliseconds == 0;
                while (true)
                {
                    PendingRecord next;
                    if (carried is { } kept)
                    {
                        next = kept;
                    }
                    else if (!_incoming.Reader.TryRead(out next))
                    {
                        next = default;
                    }

                    if (next.Record is not null)
                    {
                        if (length + next.Size > message.Length)
                        {
                            carried = next;
                            break;
                        }

                        carried = null;
                        length += TeacherRecordCodec.Write(message.AsSpan(length), next.Id, next.Record);
                        count++;
                        continue;
                    }

                    if (lingered)
                    {
                        break;
                    }

                    // Not full: give producers a moment to fill it (fewer, fuller messages is what keeps up).
                    lingered = true;
                    await Task.Delay(TimeSpan.FromMilliseconds(_options.LingerMilliseconds), _time, halt).ConfigureAwait(false);
                }

                TeacherRecordCodec.WriteHeader(message, count);
                await SendAsync(new BinaryData(message.AsMemory(0, length)), count, halt).ConfigureAwait(false);
                // Sent before unbuffered: a reader between the two sees a record twice, never not at all.
                Interlocked.Add(ref _sent, count);
                Interlocked.Add(ref _buffered, -count);
                _instruments.TeacherRecordsSent.Add(count);
            }
        }
        catch (OperationCanceledException) when (halt.IsCancellationRequested)
        {
            // Stopped: what is still buffered is counted by StopAsync.
        }
    }

    /// <summary>
    /// Sends one message, keeping it (its records stay counted as buffered) and retrying until it succeeds or the queue
    /// stops: capped exponential backoff, 100 ms doubling to <see cref="AzureTeacherQueueOptions.RetryMaxMilliseconds"/>,
    /// each wait drawn between half and all of it so that many senders (on many silos) do not retry in step.
    /// </summary>
    private async Task SendAsync(BinaryData body, int records, CancellationToken halt)
    {
        var wait = TimeSpan.FromMilliseconds(100);
        var failures = 0;
        var firstFailure = 0L;
        while (true)
        {
            try
            {
                await EnsureCreatedAsync(halt).ConfigureAwait(false);
                await _client.SendMessageAsync(body, visibilityTimeout: null, timeToLive: NoExpiry, halt).ConfigureAwait(false);
                _instruments.TeacherMessagesSent.Add(1);
                Observe(records);
                if (Interlocked.Exchange(ref _failingSends, 0) > 0)
                {
                    _logger.LogInformation("The teacher queue {Queue} takes messages again ({Buffered} records buffered).", QueueName, Buffered);
                }

                if (failures > 0)
                {
                    _logger.LogDebug("A teacher queue message of {Records} records was sent after {Failures} failed attempts over {Seconds:F1} s.", records, failures, _time.GetElapsedTime(firstFailure).TotalSeconds);
                }

                return;
            }
            catch (Exception e) when (!halt.IsCancellationRequested)
            {
                Error("send");
                if (e is RequestFailedException { Status: 404 })
                {
                    Volatile.Write(ref _created, null); // the queue was deleted: create it again
                }

                if (Interlocked.Increment(ref _failingSends) == 1)
                {
                    _logger.LogWarning("Sending to the teacher queue {Queue} failed ({Reason}); records stay buffered ({Buffered}) and sends are retried.", QueueName, e.Message, Buffered);
                }

                if (failures++ == 0)
                {
                    firstFailure = _time.GetTimestamp();
                }

                await Task.Delay(wait * (0.5 + (0.5 * Random.Shared.NextDouble())), _time, halt).ConfigureAwait(false);
                wait = TimeSpan.FromMilliseconds(Math.Min(wait.TotalMilliseconds * 2, _options.RetryMaxMilliseconds));
            }
        }
    }

    /// <summary>Renews every outstanding delivery's lease every third of the lease.</summary>
    private async Task RenewLoopAsync()
    {
        using var timer = new PeriodicTimer(_lease / 3, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_halt.Token).ConfigureAwait(false))
            {
                foreach (var lease in _leases.Values)
                {
                    await RenewAsync(lease).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RenewAsync(QueueLease lease)
    {
        await lease.Gate.WaitAsync(_halt.Token).ConfigureAwait(false);
        try
        {
            if (lease.Closed)
            {
                return;
            }

            await ForEachAsync(lease.Messages, async message =>
            {
                if (message.Lost)
                {
                    return;
                }

                try
                {
                    var renewed = await _client.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: _lease, cancellationToken: _halt.Token).ConfigureAwait(false);
                    message.PopReceipt = renewed.Value.PopReceipt;
                }
                catch (RequestFailedException e) when (e.Status is 400 or 404)
                {
                    // The lease ended before this renewal (or the receipt went stale): another receiver may hold it now.
                    message.Lost = true;
                    Error("renew");
                    _logger.LogWarning("The lease of teacher queue message {MessageId} was lost ({Reason}); it is handed over again.", message.MessageId, e.ErrorCode);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Tried again at the next renewal, a third of a lease later.
                    Error("renew");
                }
            }).ConfigureAwait(false);
        }
        finally
        {
            lease.Gate.Release();
        }
    }

    /// <summary>Reads the queue's approximate length for <see cref="Count"/>; learns records per message from a peek when none was seen yet.</summary>
    private async Task CountLoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(_options.CountRefreshMilliseconds), _time);
        try
        {
            do
            {
                try
                {
                    await EnsureCreatedAsync(_halt.Token).ConfigureAwait(false);
                    var properties = await _client.GetPropertiesAsync(_halt.Token).ConfigureAwait(false);
                    Interlocked.Exchange(ref _approximateMessages, properties.Value.ApproximateMessagesCount);
                    if (properties.Value.ApproximateMessagesCount > 0 && Volatile.Read(ref _recordsPerMessage) == 0)
                    {
                        PeekedMessage[] peeked = (await _client.PeekMessagesAsync(1, _halt.Token).ConfigureAwait(false)).Value;
                        if (peeked.Length == 1)
                        {
                            Observe(TeacherRecordCodec.ClaimedCount(peeked[0].Body.ToMemory().Span));
                        }
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Error("count");
                }
            }
            while (await timer.WaitForNextTickAsync(_halt.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Moving average of records per message, for sizing receives and for <see cref="Count"/>.</summary>
    private void Observe(int records)
    {
        var seen = Volatile.Read(ref _recordsPerMessage);
        Volatile.Write(ref _recordsPerMessage, seen == 0 ? records : (0.9 * seen) + (0.1 * records));
    }

    /// <summary>Makes the messages visible again at once; a failure only delays them until their lease ends.</summary>
    private Task ReleaseAsync(IReadOnlyList<LeasedMessage> messages) =>
        ForEachAsync(messages, async message =>
        {
            if (message.Lost)
            {
                return;
            }

            try
            {
                await _client.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RequestFailedException or OperationCanceledException or IOException)
            {
                Error("release");
            }
        });

    private Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        var created = Volatile.Read(ref _created);
        if (created is { IsCompletedSuccessfully: true })
        {
            return Task.CompletedTask;
        }

        if (created is null || created.IsFaulted || created.IsCanceled)
        {
            created = _client.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
            Volatile.Write(ref _created, created);
        }

        return created.WaitAsync(cancellationToken);
    }

    private void Error(string operation) =>
        _instruments.TeacherQueueErrors.Add(1, new KeyValuePair<string, object?>("operation", operation));

    /// <summary>Runs <paramref name="action"/> on each message, a few requests at a time, off any caller's scheduler.</summary>
    private static Task ForEachAsync(IReadOnlyList<LeasedMessage> messages, Func<LeasedMessage, Task> action) =>
        messages.Count == 0
            ? Task.CompletedTask
            : Parallel.ForEachAsync(
                messages,
                new ParallelOptions { MaxDegreeOfParallelism = ParallelRequests, TaskScheduler = TaskScheduler.Default },
                async (message, _) => await action(message).ConfigureAwait(false));
}
