using System.Threading.Channels;
using Kcm.Cluster.Broker;
using Kcm.Cluster.Telemetry;
using Kcm.Grains.Distillation;
using Kcm.Grains.Telemetry;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Kcm.Cluster.Teachers;

/// <summary>
/// The teacher queue over RabbitMQ: a durable quorum queue with a single active consumer. Fronts hand records to a
/// bounded local buffer (never blocking serving) that a background loop publishes with publisher confirms; a record
/// the broker refuses (queue at its length limit) is dropped and counted. The distiller consumes up to
/// <c>prefetch</c> records, and acknowledges them to the broker only when the round that used them acknowledges its
/// delivery (after its candidate was stored or rejected); a distiller that dies leaves them unacknowledged, so the
/// broker hands them to the standby. Records that do not decode go to the dead-letter queue with the reason in the
/// <see cref="ClusterHeaders.DeadReason"/> header. Each record carries an id (node, process, sequence) as its message
/// id, the same when republished after a lost confirm; the consumer drops a record whose id it already holds or used
/// recently, so a publish retried during a broker outage is distilled once. (A record redelivered after the consumer's
/// own channel failed is at least once, as the broker's redelivery is.)
/// </summary>
public sealed class RabbitMqTeacherQueue : ITeacherQueue, IAsyncDisposable
{
    private const int PublishBatch = 64;
    private const int RememberedIds = 200_000;

    private readonly BrokerConnection _broker;
    private readonly string _queue;
    private readonly string _deadQueue;
    private readonly string _nodeId;
    private readonly KcmInstruments _instruments;
    private readonly ClusterInstruments _clusterInstruments;
    private readonly ILogger _logger;
    private readonly IChannel _publishChannel;
    private readonly Channel<OutgoingRecord> _outgoing;
    private readonly string _idPrefix;
    private readonly HashSet<string> _pendingIds = new(StringComparer.Ordinal);
    private readonly RecentRecordIds _usedIds = new(RememberedIds);
    private long _sequence;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly LinkedList<ReceivedRecord> _received = new();
    private readonly Dictionary<long, OwedDelivery> _owed = [];
    private readonly Task _publishing;
    private IChannel? _consumeChannel;
    private long _generation;
    private long _nextDeliveryId;
    private long _published;
    private bool _disposed;

    private RabbitMqTeacherQueue(
        BrokerConnection broker, string model, string nodeId, int capacity, KcmInstruments instruments, ClusterInstruments clusterInstruments, ILogger logger,
        IChannel publishChannel)
    {
        _broker = broker;
        _queue = ClusterNames.TeacherQueue(model);
        _deadQueue = ClusterNames.TeacherDeadLetterQueue(model);
        _nodeId = nodeId;
        _instruments = instruments;
        _clusterInstruments = clusterInstruments;
        _logger = logger;
        _publishChannel = publishChannel;
        _outgoing = Channel.CreateBounded<OutgoingRecord>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        // A restarted node must not reuse its earlier ids: the process part makes them unique per start.
        _idPrefix = nodeId + ":" + Guid.NewGuid().ToString("N")[..12] + ":";
        instruments.AddGauge("kcm_teacher_queue_depth", "{record}", "Teacher records waiting here (to be published, or received and not yet distilled).", () => Count);
        _publishing = Task.Run(() => PublishLoopAsync(_stopping.Token));
    }

    /// <summary>Records waiting: not yet published by this node, plus received and not yet taken by a round.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _received.Count + _outgoing.Reader.Count;
            }
        }
    }

    /// <summary>Records this node has published and the broker confirmed.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>
    /// Declares the queues and starts the publisher; with <paramref name="consumePrefetch"/> set this node also
    /// consumes (as the active distiller, or as a standby while another is active).
    /// </summary>
    public static async Task<RabbitMqTeacherQueue> StartAsync(
        BrokerConnection broker, string model, string nodeId, int capacity, ushort? consumePrefetch,
        KcmInstruments instruments, ClusterInstruments clusterInstruments, ILogger<RabbitMqTeacherQueue> logger, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        var publishChannel = await broker.OpenChannelAsync(confirms: true, dispatchConcurrency: null, cancellationToken).ConfigureAwait(false);
        await ClusterTopology.DeclareTeacherQueuesAsync(publishChannel, model, cancellationToken).ConfigureAwait(false);
        var queue = new RabbitMqTeacherQueue(broker, model, nodeId, capacity, instruments, clusterInstruments, logger, publishChannel);
        if (consumePrefetch is { } prefetch)
        {
            await queue.StartConsumingAsync(prefetch, cancellationToken).ConfigureAwait(false);
        }

        return queue;
    }

    public bool TryEnqueue(TeacherSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (!_outgoing.Writer.TryWrite(new OutgoingRecord(sample, _idPrefix + Interlocked.Increment(ref _sequence).ToString(System.Globalization.CultureInfo.InvariantCulture))))
        {
            _instruments.TeacherRecordsDropped.Add(1);
            return false;
        }

        _instruments.TeacherRecordsQueued.Add(1);
        return true;
    }

    public ValueTask<TeacherDelivery> TakeAsync(int maxCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        lock (_lock)
        {
            var count = Math.Min(maxCount, _received.Count);
            var samples = new TeacherSample[count];
            var tags = new ulong[count];
            var ids = new string?[count];
            for (var i = 0; i < count; i++)
            {
                var record = _received.First!.Value;
                _received.RemoveFirst();
                samples[i] = record.Sample;
                tags[i] = record.DeliveryTag;
                ids[i] = record.Id;
            }

            var delivery = new TeacherDelivery(++_nextDeliveryId, samples);
            _owed.Add(delivery.DeliveryId, new OwedDelivery(delivery, tags, ids, _generation));
            return ValueTask.FromResult(delivery);
        }
    }

    public async ValueTask AcknowledgeAsync(TeacherDelivery delivery, CancellationToken cancellationToken)
    {
        OwedDelivery owed;
        IChannel? channel;
        lock (_lock)
        {
            if (!_owed.Remove(delivery.DeliveryId, out owed!))
            {
                return;
            }

            // Used by a round: a second copy of any of them (published twice) is dropped from now on.
            foreach (var id in owed.Ids)
            {
                if (id is not null)
                {
                    _pendingIds.Remove(id);
                    _usedIds.Add(id);
                }
            }

            // Tags of an earlier channel mean nothing now (the broker already handed those records out again).
            channel = owed.Generation == _generation ? _consumeChannel : null;
        }

        if (channel is not null)
        {
            try
            {
                foreach (var tag in owed.Tags)
                {
                    await channel.BasicAckAsync(tag, multiple: false, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is AlreadyClosedException or OperationInterruptedException or IOException)
            {
                _logger.LogWarning("Could not acknowledge {Count} teacher records; the broker will deliver them again: {Reason}", owed.Tags.Length, e.Message);
                return;
            }
        }

        _instruments.TeacherRecordsConsumed.Add(owed.Tags.Length);
    }

    public ValueTask ReturnAsync(TeacherDelivery delivery, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_owed.Remove(delivery.DeliveryId, out var owed) && owed.Generation == _generation)
            {
                // Still ours (unacknowledged on the same channel): hand them over again first, as the embedded queue does.
                for (var i = owed.Tags.Length - 1; i >= 0; i--)
                {
                    _received.AddFirst(new ReceivedRecord(owed.Delivery.Samples[i], owed.Tags[i], owed.Ids[i]));
                }
            }
            else if (owed is not null)
            {
                // An earlier channel's records: the broker delivers them again, under the same ids.
                foreach (var id in owed.Ids)
                {
                    if (id is not null)
                    {
                        _pendingIds.Remove(id);
                    }
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _outgoing.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _publishing.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        if (_consumeChannel is { } consume)
        {
            await CloseQuietlyAsync(consume).ConfigureAwait(false);
        }

        await CloseQuietlyAsync(_publishChannel).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task StartConsumingAsync(ushort prefetch, CancellationToken cancellationToken)
    {
        // Confirms on this channel are for the dead-letter publishes made while consuming.
        var channel = await _broker.OpenChannelAsync(confirms: true, dispatchConcurrency: null, cancellationToken).ConfigureAwait(false);
        await channel.BasicQosAsync(0, prefetch, global: false, cancellationToken).ConfigureAwait(false);
        channel.ChannelShutdownAsync += OnConsumeChannelShutdownAsync;
        _consumeChannel = channel;
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += OnRecordAsync;
        await channel.BasicConsumeAsync(_queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Consuming teacher records from {Queue} (single active consumer; prefetch {Prefetch}).", _queue, prefetch);
    }

    private async Task OnRecordAsync(object sender, BasicDeliverEventArgs delivery)
    {
        if (TeacherRecordCodec.TryDecode(delivery.Body.Span, out var sample, out var problem))
        {
            var id = delivery.BasicProperties.MessageId;
            bool duplicate;
            lock (_lock)
            {
                duplicate = id is not null && (_pendingIds.Contains(id) || _usedIds.Contains(id));
                if (!duplicate)
                {
                    if (id is not null)
                    {
                        _pendingIds.Add(id);
                    }

                    _received.AddLast(new ReceivedRecord(sample!, delivery.DeliveryTag, id));
                }
            }

            if (duplicate)
            {
                await AcknowledgeDuplicateAsync(delivery.DeliveryTag).ConfigureAwait(false);
            }

            return;
        }

        var channel = _consumeChannel!;
        try
        {
            var properties = new BasicProperties
            {
                Persistent = true,
                Headers = new Dictionary<string, object?> { [ClusterHeaders.DeadReason] = problem, [ClusterHeaders.Node] = _nodeId },
            };
            await channel.BasicPublishAsync(string.Empty, _deadQueue, mandatory: true, properties, delivery.Body, CancellationToken.None).ConfigureAwait(false);
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None).ConfigureAwait(false);
            _clusterInstruments.TeacherDeadLettered.Add(1);
            _logger.LogWarning("Moved an undecodable teacher record to {DeadQueue}: {Reason}", _deadQueue, problem);
        }
        catch (Exception e) when (e is PublishException or AlreadyClosedException or OperationInterruptedException or IOException)
        {
            // Left unacknowledged: it comes back, and after the delivery limit the broker dead-letters it itself.
            _logger.LogWarning("Could not dead-letter an undecodable teacher record: {Reason}", e.Message);
        }
    }

    private async Task AcknowledgeDuplicateAsync(ulong tag)
    {
        try
        {
            await _consumeChannel!.BasicAckAsync(tag, multiple: false, CancellationToken.None).ConfigureAwait(false);
            _clusterInstruments.TeacherDuplicates.Add(1);
        }
        catch (Exception e) when (e is AlreadyClosedException or OperationInterruptedException or IOException)
        {
            // Left unacknowledged: it comes back and is recognised again.
            _logger.LogDebug("Could not acknowledge a duplicate teacher record: {Reason}", e.Message);
        }
    }

    private Task OnConsumeChannelShutdownAsync(object sender, ShutdownEventArgs args)
    {
        lock (_lock)
        {
            // Everything received on this channel is unacknowledged and will be delivered again (here or to the standby).
            _generation++;
            foreach (var record in _received)
            {
                if (record.Id is not null)
                {
                    _pendingIds.Remove(record.Id);
                }
            }

            _received.Clear();
        }

        return Task.CompletedTask;
    }

    private async Task PublishLoopAsync(CancellationToken stop)
    {
        var reader = _outgoing.Reader;
        var batch = new List<OutgoingRecord>(PublishBatch);
        var confirms = new List<Task>(PublishBatch);
        while (await reader.WaitToReadAsync(stop).ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < PublishBatch && reader.TryRead(out var record))
            {
                batch.Add(record);
            }

            // Unconfirmed records are published again after recovery: at least once, duplicates possible.
            while (batch.Count > 0)
            {
                if (!_broker.IsConnected)
                {
                    await Task.Delay(100, stop).ConfigureAwait(false);
                    continue;
                }

                confirms.Clear();
                foreach (var record in batch)
                {
                    confirms.Add(PublishOneAsync(record));
                }

                var unconfirmed = new List<OutgoingRecord>();
                for (var i = 0; i < batch.Count; i++)
                {
                    try
                    {
                        await confirms[i].ConfigureAwait(false);
                        Interlocked.Increment(ref _published);
                    }
                    catch (PublishException)
                    {
                        // Nacked: the queue is at its length limit. Dropped, like a full embedded queue.
                        _instruments.TeacherRecordsDropped.Add(1);
                    }
                    catch (Exception e) when (e is AlreadyClosedException or OperationInterruptedException or IOException)
                    {
                        unconfirmed.Add(batch[i]);
                    }
                }

                batch.Clear();
                batch.AddRange(unconfirmed);
                if (batch.Count > 0)
                {
                    await Task.Delay(BrokerConnection.RecoveryInterval, stop).ConfigureAwait(false);
                }
            }
        }
    }

    private Task PublishOneAsync(OutgoingRecord record)
    {
        var properties = new BasicProperties { Persistent = true, ContentType = "application/x-kcm-teacher-record", MessageId = record.Id };
        return _publishChannel.BasicPublishAsync(string.Empty, _queue, mandatory: false, properties, TeacherRecordCodec.Encode(record.Sample)).AsTask();
    }

    private static async Task CloseQuietlyAsync(IChannel channel)
    {
        try
        {
            await channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is AlreadyClosedException or OperationInterruptedException or IOException or TimeoutException)
        {
        }

        channel.Dispose();
    }

    private readonly record struct OutgoingRecord(TeacherSample Sample, string Id);

    private readonly record struct ReceivedRecord(TeacherSample Sample, ulong DeliveryTag, string? Id);

    private sealed record OwedDelivery(TeacherDelivery Delivery, ulong[] Tags, string?[] Ids, long Generation);
}
