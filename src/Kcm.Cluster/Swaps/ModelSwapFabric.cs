using Kcm.Cluster.Broker;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Kcm.Cluster.Swaps;

/// <summary>
/// Cluster-wide swaps of one model series. Announcements go (with a publisher confirm) to a durable fanout exchange;
/// every node listens on its own exclusive queue bound to it, and a durable quorum queue bound to it keeps only the
/// latest announcement (<c>x-max-length</c> 1, drop-head) so a node that starts or reconnects later reads the current
/// version before it serves. The model bytes themselves stay in the shared model store; announcements carry only the
/// version and its hash.
/// </summary>
public sealed class ModelSwapFabric : IAsyncDisposable
{
    private const string SeriesHeader = "kcm-series";
    private const string VersionHeader = "kcm-version";
    private const string ShaHeader = "kcm-sha256";

    private readonly BrokerConnection _broker;
    private readonly string _series;
    private readonly ILogger _logger;
    private readonly IChannel _channel;
    private readonly IChannel _listenChannel;
    private Func<ModelSwapAnnouncement, Task>? _onAnnouncement;

    private ModelSwapFabric(BrokerConnection broker, string series, ILogger logger, IChannel channel, IChannel listenChannel)
    {
        _broker = broker;
        _series = series;
        _logger = logger;
        _channel = channel;
        _listenChannel = listenChannel;
        broker.Reconnected += CatchUp;
    }

    /// <summary>Declares the exchange and queues of <paramref name="series"/> and starts listening (announcements before <see cref="Listen"/> are skipped).</summary>
    public static async Task<ModelSwapFabric> StartAsync(
        BrokerConnection broker, string series, string nodeId, ILogger<ModelSwapFabric> logger, CancellationToken cancellationToken)
    {
        var channel = await broker.OpenChannelAsync(confirms: true, dispatchConcurrency: null, cancellationToken).ConfigureAwait(false);
        var exchange = ClusterNames.SwapExchange(series);
        var current = ClusterNames.CurrentVersionQueue(series);
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueDeclareAsync(
            current, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?>
            {
                ["x-queue-type"] = "quorum",
                ["x-max-length"] = 1,
                ["x-overflow"] = "drop-head",
            },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(current, exchange, string.Empty, cancellationToken: cancellationToken).ConfigureAwait(false);

        var listenChannel = await broker.OpenChannelAsync(confirms: false, dispatchConcurrency: null, cancellationToken).ConfigureAwait(false);
        var listener = ClusterNames.SwapListenerQueue(series, nodeId, Guid.NewGuid().ToString("N")[..8]);
        await listenChannel.QueueDeclareAsync(listener, durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken).ConfigureAwait(false);
        await listenChannel.QueueBindAsync(listener, exchange, string.Empty, cancellationToken: cancellationToken).ConfigureAwait(false);
        var fabric = new ModelSwapFabric(broker, series, logger, channel, listenChannel);
        var consumer = new AsyncEventingBasicConsumer(listenChannel);
        consumer.ReceivedAsync += fabric.OnAnnouncementAsync;
        await listenChannel.BasicConsumeAsync(listener, autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
        return fabric;
    }

    /// <summary>Sets what to do with each announcement received (including this node's own).</summary>
    public void Listen(Func<ModelSwapAnnouncement, Task> onAnnouncement) => _onAnnouncement = onAnnouncement;

    /// <summary>Announces a new current version to every node; returns once the broker has confirmed it.</summary>
    public async Task AnnounceAsync(ModelSwapAnnouncement announcement, CancellationToken cancellationToken)
    {
        var properties = new BasicProperties
        {
            Persistent = true,
            Headers = new Dictionary<string, object?>
            {
                [SeriesHeader] = announcement.Series,
                [VersionHeader] = announcement.Version,
                [ShaHeader] = announcement.Sha256,
                [ClusterHeaders.Node] = announcement.Node,
            },
        };
        try
        {
            await _channel.BasicPublishAsync(ClusterNames.SwapExchange(_series), string.Empty, mandatory: false, properties, ReadOnlyMemory<byte>.Empty, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is PublishException or AlreadyClosedException or OperationInterruptedException or IOException)
        {
            throw new BrokerUnavailableException($"Could not announce {announcement.Series} version {announcement.Version} on {_broker.Endpoint}: {e.Message}", e);
        }
    }

    /// <summary>The latest announcement kept by the broker, or null when none was ever made.</summary>
    public async Task<ModelSwapAnnouncement?> ReadCurrentAsync(CancellationToken cancellationToken)
    {
        // Another node reading at the same moment holds the message briefly (get, then requeue): try a few times.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var result = await _channel.BasicGetAsync(ClusterNames.CurrentVersionQueue(_series), autoAck: false, cancellationToken).ConfigureAwait(false);
            if (result is not null)
            {
                await _channel.BasicNackAsync(result.DeliveryTag, multiple: false, requeue: true, cancellationToken).ConfigureAwait(false);
                return Parse(result.BasicProperties);
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        _broker.Reconnected -= CatchUp;
        foreach (var channel in new[] { _listenChannel, _channel })
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

    /// <summary>Announcements made while this node was disconnected never reached its listener queue: apply the current one.</summary>
    private void CatchUp() => _ = Task.Run(async () =>
    {
        try
        {
            if (await ReadCurrentAsync(CancellationToken.None).ConfigureAwait(false) is { } current && _onAnnouncement is { } handle)
            {
                await handle(current).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Catching up with the current {Series} version after reconnecting failed.", _series);
        }
    });

    private async Task OnAnnouncementAsync(object sender, BasicDeliverEventArgs delivery)
    {
        if (Parse(delivery.BasicProperties) is not { } announcement || _onAnnouncement is not { } handle)
        {
            return;
        }

        try
        {
            await handle(announcement).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Applying the announcement of {Series} version {Version} failed.", announcement.Series, announcement.Version);
        }
    }

    private ModelSwapAnnouncement? Parse(IReadOnlyBasicProperties properties)
    {
        var headers = properties.Headers;
        var series = HeaderValues.String(headers, SeriesHeader);
        var version = HeaderValues.Int32(headers, VersionHeader);
        var sha = HeaderValues.String(headers, ShaHeader);
        if (series != _series || version is not { } number || sha is null)
        {
            _logger.LogWarning("Ignoring a malformed swap announcement on {Exchange}.", ClusterNames.SwapExchange(_series));
            return null;
        }

        return new ModelSwapAnnouncement(series, number, sha, HeaderValues.String(headers, ClusterHeaders.Node) ?? "?");
    }
}
