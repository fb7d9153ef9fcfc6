using System.Buffers;
using Kcm.Cluster.Broker;
using Kcm.Cluster.Telemetry;
using Kcm.Grains.Large;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Kcm.Cluster.Large;

/// <summary>
/// A <c>large</c> silo's consumer of a model's work queue. It takes up to <c>prefetch</c> requests at a time (the
/// broker spreads the rest over other workers, so a slow node takes less), runs them through the local large model
/// pool (which batches them), publishes each reply with a confirm and only then acknowledges the request: a request
/// whose worker dies before replying is redelivered to another. Requests past their deadline are acknowledged and
/// dropped without running.
/// </summary>
public sealed class LargeModelWorker : IAsyncDisposable
{
    private readonly ILargeModelPoolGrain _pool;
    private readonly ClusterInstruments _instruments;
    private readonly ILogger _logger;
    private readonly IChannel _channel;
    private readonly string _nodeId;
    private readonly CancellationTokenSource _stopping = new();
    private long _answered;

    private LargeModelWorker(ILargeModelPoolGrain pool, ClusterInstruments instruments, ILogger logger, IChannel channel, string nodeId)
    {
        _pool = pool;
        _instruments = instruments;
        _logger = logger;
        _channel = channel;
        _nodeId = nodeId;
    }

    /// <summary>Requests this worker answered (replies confirmed by the broker).</summary>
    public long Answered => Interlocked.Read(ref _answered);

    /// <summary>Declares the work queue of <paramref name="servedModel"/> and starts consuming it with <paramref name="prefetch"/> requests at a time.</summary>
    public static async Task<LargeModelWorker> StartAsync(
        BrokerConnection broker, string nodeId, string servedModel, ILargeModelPoolGrain pool, ushort prefetch, ClusterInstruments instruments, ILogger<LargeModelWorker> logger,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(prefetch);
        // Handlers run concurrently up to the prefetch, so the pool can batch requests that arrive together.
        var channel = await broker.OpenChannelAsync(confirms: true, dispatchConcurrency: prefetch, cancellationToken).ConfigureAwait(false);
        await ClusterTopology.DeclareLargeWorkQueueAsync(channel, servedModel, cancellationToken).ConfigureAwait(false);
        await channel.BasicQosAsync(0, prefetch, global: false, cancellationToken).ConfigureAwait(false);
        var worker = new LargeModelWorker(pool, instruments, logger, channel, nodeId);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += worker.OnRequestAsync;
        await channel.BasicConsumeAsync(ClusterNames.LargeWorkQueue(servedModel), autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
        return worker;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            // Closing returns unacknowledged requests to the queue for the other workers.
            await _channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is AlreadyClosedException or OperationInterruptedException or IOException or TimeoutException)
        {
        }

        _channel.Dispose();
        _stopping.Dispose();
    }

    private async Task OnRequestAsync(object sender, BasicDeliverEventArgs delivery)
    {
        if (delivery.Redelivered)
        {
            _instruments.LargeRedeliveries.Add(1);
        }

        var properties = delivery.BasicProperties;
        var remaining = RemainingTime(properties);
        if (remaining <= TimeSpan.Zero)
        {
            _instruments.LargeExpiredDropped.Add(1);
            await TryAckAsync(delivery.DeliveryTag).ConfigureAwait(false);
            return;
        }

        var features = _pool.InputSize;
        var classes = _pool.ClassCount;
        var body = delivery.Body;
        var replyTo = properties.ReplyTo;
        if (!LargeRequestCodec.TryReadHeader(body.Span, features, classes, out var batchSize, out var withHints, out var problem) || string.IsNullOrEmpty(replyTo))
        {
            _logger.LogWarning("Dropping a malformed large-model request {Id}: {Problem}", properties.CorrelationId, problem ?? "no reply-to");
            await TryRejectAsync(delivery.DeliveryTag).ConfigureAwait(false);
            return;
        }

        var inputs = ArrayPool<float>.Shared.Rent(batchSize * features);
        var hints = ArrayPool<float>.Shared.Rent(batchSize * classes);
        var logits = ArrayPool<float>.Shared.Rent(batchSize * classes);
        var reply = ArrayPool<byte>.Shared.Rent(LargeReplyCodec.Length(batchSize, classes));
        try
        {
            // The delivery's body is only valid during this handler; the pool reads it after an await, so copy it.
            LargeRequestCodec.Inputs(body.Span, batchSize, features).CopyTo(inputs);
            var hintSpan = LargeRequestCodec.Hints(body.Span, batchSize, features, classes, withHints);
            hintSpan.CopyTo(hints);
            LargeModelStatus status;
            try
            {
                status = await _pool.InferAsync(
                    inputs.AsMemory(0, batchSize * features), withHints ? hints.AsMemory(0, batchSize * classes) : ReadOnlyMemory<float>.Empty,
                    batchSize, logits.AsMemory(0, batchSize * classes), remaining, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogError(e, "The large model failed on request {Id}.", properties.CorrelationId);
                await ReplyAndAckAsync(delivery.DeliveryTag, replyTo, properties.CorrelationId, LargeReplyCodec.Failure(e.Message)).ConfigureAwait(false);
                return;
            }

            switch (status)
            {
                case LargeModelStatus.Completed:
                    var length = LargeReplyCodec.WriteCompleted(reply, logits, batchSize, classes);
                    await ReplyAndAckAsync(delivery.DeliveryTag, replyTo, properties.CorrelationId, reply.AsMemory(0, length)).ConfigureAwait(false);
                    break;
                case LargeModelStatus.DeadlineExceeded:
                    _instruments.LargeExpiredDropped.Add(1);
                    await TryAckAsync(delivery.DeliveryTag).ConfigureAwait(false);
                    break;
                default:
                    // Full or stopping here: another worker may take it.
                    await TryNackAsync(delivery.DeliveryTag).ConfigureAwait(false);
                    break;
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping: the request stays unacknowledged and goes back to the queue when the channel closes.
        }
        finally
        {
            ArrayPool<float>.Shared.Return(inputs);
            ArrayPool<float>.Shared.Return(hints);
            ArrayPool<float>.Shared.Return(logits);
            ArrayPool<byte>.Shared.Return(reply);
        }
    }

    /// <summary>Publishes the reply (waiting for its confirm) and only then acknowledges the request.</summary>
    private async Task ReplyAndAckAsync(ulong deliveryTag, string replyTo, string? correlationId, ReadOnlyMemory<byte> body)
    {
        var properties = new BasicProperties
        {
            CorrelationId = correlationId,
            ContentType = "application/x-kcm-large-reply",
            Headers = new Dictionary<string, object?> { [ClusterHeaders.Node] = _nodeId },
        };
        try
        {
            // Not mandatory: a front that went away has no queue left, and its request is then simply done.
            await _channel.BasicPublishAsync(string.Empty, replyTo, mandatory: false, properties, body, CancellationToken.None).ConfigureAwait(false);
            await _channel.BasicAckAsync(deliveryTag, multiple: false, CancellationToken.None).ConfigureAwait(false);
            Interlocked.Increment(ref _answered);
        }
        catch (Exception e) when (e is PublishException or AlreadyClosedException or OperationInterruptedException or IOException)
        {
            // Not acknowledged: the broker redelivers the request once this channel is gone.
            _logger.LogWarning("Could not reply to large-model request {Id}; it will be redelivered: {Reason}", correlationId, e.Message);
        }
    }

    private async Task TryAckAsync(ulong deliveryTag)
    {
        try
        {
            await _channel.BasicAckAsync(deliveryTag, multiple: false, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AlreadyClosedException or OperationInterruptedException or IOException)
        {
        }
    }

    private async Task TryNackAsync(ulong deliveryTag)
    {
        try
        {
            await _channel.BasicNackAsync(deliveryTag, multiple: false, requeue: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AlreadyClosedException or OperationInterruptedException or IOException)
        {
        }
    }

    private async Task TryRejectAsync(ulong deliveryTag)
    {
        try
        {
            await _channel.BasicRejectAsync(deliveryTag, requeue: false, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AlreadyClosedException or OperationInterruptedException or IOException)
        {
        }
    }

    /// <summary>Time left until the request's deadline (wall clock: nodes are assumed NTP-synchronised).</summary>
    private static TimeSpan RemainingTime(IReadOnlyBasicProperties properties)
    {
        if (properties.Headers?.TryGetValue(ClusterHeaders.Deadline, out var value) != true || value is not long deadline)
        {
            // No deadline: treat as a short-lived request rather than one that may wait forever.
            return TimeSpan.FromSeconds(30);
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(deadline) - DateTimeOffset.UtcNow;
    }
}
