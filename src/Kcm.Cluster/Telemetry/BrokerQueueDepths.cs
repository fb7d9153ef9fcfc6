using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Kcm.Cluster.Broker;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Kcm.Cluster.Telemetry;

/// <summary>
/// Reports <c>kcm_broker_queue_messages{queue}</c>: messages ready in each fabric queue as the broker sees them
/// (passive declares every <see cref="Interval"/>, so no management plugin is needed). A queue that does not exist
/// (yet) or cannot be read while disconnected is left out rather than reported as empty.
/// </summary>
public sealed class BrokerQueueDepths : IAsyncDisposable
{
    /// <summary>How often the depths are read.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private readonly BrokerConnection _broker;
    private readonly IReadOnlyList<string> _queues;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, long> _depths = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _polling;

    public BrokerQueueDepths(BrokerConnection broker, IReadOnlyList<string> queues, ClusterInstruments instruments, ILogger<BrokerQueueDepths> logger)
    {
        _broker = broker;
        _queues = queues;
        _logger = logger;
        instruments.AddGauge("kcm_broker_queue_messages", "{message}", "Messages ready in a fabric queue, as the broker reports them.", Observe);
        _polling = Task.Run(() => PollAsync(_stopping.Token));
    }

    /// <summary>The last depth read of <paramref name="queue"/>, or null when it could not be read.</summary>
    public long? Depth(string queue) => _depths.TryGetValue(queue, out var depth) ? depth : null;

    /// <summary>Reads every depth now (the poller also does this every <see cref="Interval"/>).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (!_broker.IsConnected)
        {
            _depths.Clear();
            return;
        }

        IChannel? channel = null;
        try
        {
            foreach (var queue in _queues)
            {
                channel ??= await _broker.OpenChannelAsync(confirms: false, dispatchConcurrency: null, cancellationToken).ConfigureAwait(false);
                try
                {
                    var declared = await channel.QueueDeclarePassiveAsync(queue, cancellationToken).ConfigureAwait(false);
                    _depths[queue] = declared.MessageCount;
                }
                catch (OperationInterruptedException)
                {
                    // Not declared yet: the broker closed the channel; the next queue gets a fresh one.
                    _depths.TryRemove(queue, out _);
                    channel.Dispose();
                    channel = null;
                }
            }
        }
        catch (Exception e) when (e is BrokerUnavailableException or AlreadyClosedException or IOException)
        {
            _depths.Clear();
        }
        finally
        {
            if (channel is not null)
            {
                await CloseQuietlyAsync(channel).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _polling.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private IEnumerable<Measurement<double>> Observe()
    {
        foreach (var (queue, depth) in _depths)
        {
            yield return new Measurement<double>(depth, new KeyValuePair<string, object?>("queue", queue));
        }
    }

    private async Task PollAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                await RefreshAsync(stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogDebug("Reading queue depths failed: {Reason}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false));
    }

    private static async Task CloseQuietlyAsync(IChannel channel)
    {
        try
        {
            await channel.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is AlreadyClosedException or OperationInterruptedException or IOException)
        {
        }

        channel.Dispose();
    }
}
