using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using Kcm.Cluster.Broker;
using Kcm.Cluster.Telemetry;
using Kcm.Grains.Large;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Kcm.Cluster.Large;

/// <summary>
/// A front's large model pool reached over RabbitMQ: each request is published (with a publisher confirm) to the
/// model's quorum work queue, carrying its deadline; the answer comes back on this front's exclusive reply queue,
/// matched by correlation id. A request without a reply within half its timeout is published once more (same id, so
/// whichever answer comes first wins and later duplicates are ignored); without a reply by the full timeout it ends
/// <see cref="LargeModelStatus.DeadlineExceeded"/>. While the broker is disconnected requests end at once with
/// <see cref="LargeModelStatus.Unavailable"/>, and at most <see cref="LargeModelPoolOptions.QueueCapacity"/>
/// requests are pending at a time (more are refused with <see cref="LargeModelStatus.QueueFull"/>).
/// </summary>
public sealed class RabbitMqLargeModelPool : ILargeModelPoolGrain, IAsyncDisposable
{
    private readonly BrokerConnection _broker;
    private readonly LargeModelShape _shape;
    private readonly int _maxPending;
    private readonly ClusterInstruments _instruments;
    private readonly ILogger _logger;
    private readonly IChannel _publishChannel;
    private readonly IChannel _replyChannel;
    private readonly string _workQueue;
    private readonly string _replyQueue;
    private readonly ConcurrentDictionary<string, PendingLargeRequest> _pending = new();
    private long _nextId;
    private volatile bool _disposed;

    private RabbitMqLargeModelPool(
        BrokerConnection broker, string workQueue, LargeModelShape shape, int maxPending, ClusterInstruments instruments, ILogger logger,
        IChannel publishChannel, IChannel replyChannel, string replyQueue)
    {
        _broker = broker;
        _shape = shape;
        _maxPending = maxPending;
        _instruments = instruments;
        _logger = logger;
        _publishChannel = publishChannel;
        _replyChannel = replyChannel;
        _workQueue = workQueue;
        _replyQueue = replyQueue;
        broker.Disconnected += FailPending;
    }

    public string ModelName => _shape.Name;

    public int InputSize => _shape.InputSize;

    public int ClassCount => _shape.ClassCount;

    public string? HintInputName => _shape.HintInputName;

    /// <summary>Requests published and waiting for their reply.</summary>
    public int QueueDepth => _pending.Count;

    /// <summary>Not known at the front (the workers run the samples); always 0.</summary>
    public int InFlight => 0;

    /// <summary>The reply queue this front listens on.</summary>
    public string ReplyQueue => _replyQueue;

    /// <summary>Declares the work queue of <paramref name="servedModel"/> and this front's reply queue, and starts listening for replies.</summary>
    public static async Task<RabbitMqLargeModelPool> StartAsync(
        BrokerConnection broker, string nodeId, string servedModel, LargeModelShape shape, int maxPending, ClusterInstruments instruments, ILogger<RabbitMqLargeModelPool> logger,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPending, 1);
        var publishChannel = await broker.OpenChannelAsync(confirms: true, dispatchConcurrency: null, cancellationToken).ConfigureAwait(false);
        var replyChannel = await broker.OpenChannelAsync(confirms: false, dispatchConcurrency: null, cancellationToken).ConfigureAwait(false);
        await ClusterTopology.DeclareLargeWorkQueueAsync(publishChannel, servedModel, cancellationToken).ConfigureAwait(false);
        // A client-named queue keeps its name across recovery, so requests in flight still find their way back.
        var replyQueue = ClusterNames.ReplyQueue(nodeId, Guid.NewGuid().ToString("N")[..8]);
        await replyChannel.QueueDeclareAsync(replyQueue, durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        var pool = new RabbitMqLargeModelPool(broker, ClusterNames.LargeWorkQueue(servedModel), shape, maxPending, instruments, logger, publishChannel, replyChannel, replyQueue);
        var consumer = new AsyncEventingBasicConsumer(replyChannel);
        consumer.ReceivedAsync += pool.OnReplyAsync;
        // Replies are not acknowledged: a lost reply is covered by the retry, and the queue is private to this front.
        await replyChannel.BasicConsumeAsync(replyQueue, autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
        return pool;
    }

    public async ValueTask<LargeModelStatus> InferAsync(
        ReadOnlyMemory<float> inputs, ReadOnlyMemory<float> hints, int batchSize, Memory<float> logits, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (inputs.Length < batchSize * InputSize || logits.Length < batchSize * ClassCount)
        {
            throw new ArgumentException($"Buffers too small for {batchSize} samples of {InputSize} features and {ClassCount} classes.");
        }

        if (_disposed)
        {
            return LargeModelStatus.ShuttingDown;
        }

        if (!_broker.IsConnected)
        {
            return LargeModelStatus.Unavailable;
        }

        if (_pending.Count >= _maxPending)
        {
            return LargeModelStatus.QueueFull;
        }

        var id = Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture);
        var pending = new PendingLargeRequest(batchSize, logits);
        _pending[id] = pending;
        var deadline = DateTimeOffset.UtcNow + timeout;
        var withHints = HintInputName is not null && hints.Length >= batchSize * ClassCount;
        var length = LargeRequestCodec.Length(batchSize, InputSize, ClassCount, withHints);
        var body = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            LargeRequestCodec.Write(body, inputs.Span, withHints ? hints.Span : [], batchSize, InputSize, ClassCount);
            var firstWait = timeout / 2;
            for (var attempt = 1; attempt <= 2; attempt++)
            {
                if (!await PublishAsync(id, body.AsMemory(0, length), deadline, attempt, cancellationToken).ConfigureAwait(false))
                {
                    return Abandon(id, pending, LargeModelStatus.Unavailable) ?? await pending.Completion.Task.ConfigureAwait(false);
                }

                var wait = attempt == 1 ? firstWait : deadline - DateTimeOffset.UtcNow;
                try
                {
                    return await pending.Completion.Task.WaitAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    _instruments.LargeReplyTimeouts.Add(1);
                    if (attempt == 1)
                    {
                        _logger.LogDebug("No reply to large-model request {Id} within {Wait}; publishing it once more.", id, wait);
                    }
                }
            }

            return Abandon(id, pending, LargeModelStatus.DeadlineExceeded) ?? await pending.Completion.Task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            if (Abandon(id, pending, LargeModelStatus.ShuttingDown) is null)
            {
                await pending.Completion.Task.ConfigureAwait(false);
            }

            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _broker.Disconnected -= FailPending;
        FailPending(LargeModelStatus.ShuttingDown);
        await CloseQuietlyAsync(_replyChannel).ConfigureAwait(false);
        await CloseQuietlyAsync(_publishChannel).ConfigureAwait(false);
    }

    /// <summary>Gives up on a request; returns the status to answer with, or null when a reply already claimed it (wait for that).</summary>
    private LargeModelStatus? Abandon(string id, PendingLargeRequest pending, LargeModelStatus status)
    {
        if (_pending.TryRemove(new KeyValuePair<string, PendingLargeRequest>(id, pending)))
        {
            pending.Completion.TrySetResult(status);
            return status;
        }

        return null;
    }

    private async Task<bool> PublishAsync(string id, ReadOnlyMemory<byte> body, DateTimeOffset deadline, int attempt, CancellationToken cancellationToken)
    {
        var properties = new BasicProperties
        {
            CorrelationId = id,
            MessageId = id,
            ReplyTo = _replyQueue,
            ContentType = "application/x-kcm-large-request",
            Persistent = true,
            Headers = new Dictionary<string, object?>
            {
                [ClusterHeaders.Deadline] = deadline.ToUnixTimeMilliseconds(),
                [ClusterHeaders.Attempt] = attempt,
            },
        };
        try
        {
            // mandatory: a missing work queue comes back as a return (PublishException) instead of a silent drop.
            await _publishChannel.BasicPublishAsync(string.Empty, _workQueue, mandatory: true, properties, body, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is PublishException or AlreadyClosedException or OperationInterruptedException or IOException)
        {
            _logger.LogWarning("Publishing large-model request {Id} to {Queue} failed: {Reason}", id, _workQueue, e.Message);
            return false;
        }
    }

    private Task OnReplyAsync(object sender, BasicDeliverEventArgs delivery)
    {
        var id = delivery.BasicProperties.CorrelationId;
        if (id is null || !_pending.TryRemove(id, out var pending))
        {
            // Answered already (a retry or a redelivery answered twice) or given up: the caller has moved on.
            _instruments.LargeDuplicateReplies.Add(1);
            return Task.CompletedTask;
        }

        if (LargeReplyCodec.TryRead(delivery.Body.Span, pending.BatchSize, ClassCount, pending.Logits.Span, out var problem))
        {
            pending.Completion.TrySetResult(LargeModelStatus.Completed);
        }
        else
        {
            pending.Completion.TrySetException(new InvalidOperationException($"Large-model request {id}: {problem}"));
        }

        return Task.CompletedTask;
    }

    private void FailPending() => FailPending(LargeModelStatus.Unavailable);

    /// <summary>Ends every pending request at once (the broker is gone: waiting for replies would only hang callers).</summary>
    private void FailPending(LargeModelStatus status)
    {
        foreach (var entry in _pending)
        {
            if (_pending.TryRemove(entry))
            {
                entry.Value.Completion.TrySetResult(status);
            }
        }
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
}
