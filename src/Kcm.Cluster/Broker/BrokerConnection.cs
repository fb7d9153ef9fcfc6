using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Kcm.Cluster.Broker;

/// <summary>
/// One node's connection to RabbitMQ, with the client's automatic recovery: after a loss it reconnects every
/// <see cref="RecoveryInterval"/> and re-declares the queues, bindings and consumers declared through it. Users
/// learn of losses through <see cref="Disconnected"/> (to fail in-flight work fast) and of recoveries through
/// <see cref="Reconnected"/>.
/// </summary>
public sealed class BrokerConnection : IAsyncDisposable
{
    /// <summary>How often a lost connection is retried.</summary>
    public static readonly TimeSpan RecoveryInterval = TimeSpan.FromSeconds(1);

    private readonly IConnection _connection;
    private readonly ILogger _logger;
    private volatile bool _connected = true;
    private volatile bool _disposed;

    private BrokerConnection(IConnection connection, Uri uri, ILogger logger)
    {
        _connection = connection;
        _logger = logger;
        Endpoint = Redacted(uri);
        connection.ConnectionShutdownAsync += OnShutdownAsync;
        connection.RecoverySucceededAsync += OnRecoveredAsync;
        connection.ConnectionRecoveryErrorAsync += OnRecoveryErrorAsync;
    }

    /// <summary>Raised once per loss of the connection (before recovery starts).</summary>
    public event Action? Disconnected;

    /// <summary>Raised when the connection and its topology are back.</summary>
    public event Action? Reconnected;

    /// <summary>The broker's address without credentials, for logs.</summary>
    public string Endpoint { get; }

    /// <summary>This side's TCP port (the broker lists connections by it).</summary>
    public int LocalPort => _connection.LocalPort;

    /// <summary>Whether the connection is open now (false from a loss until recovery succeeds).</summary>
    public bool IsConnected => _connected && !_disposed;

    /// <summary>
    /// Connects to <paramref name="uri"/>, retrying every <see cref="RecoveryInterval"/> until it succeeds or
    /// <paramref name="cancellationToken"/> is cancelled (a silo stays not ready meanwhile).
    /// </summary>
    public static async Task<BrokerConnection> ConnectAsync(Uri uri, string clientName, ILogger logger, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            Uri = uri,
            ClientProvidedName = clientName,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = RecoveryInterval,
            RequestedHeartbeat = TimeSpan.FromSeconds(10),
            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
        };
        var attempt = 0;
        while (true)
        {
            try
            {
                var connection = await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
                return new BrokerConnection(connection, uri, logger);
            }
            catch (BrokerUnreachableException e)
            {
                if (++attempt == 1 || attempt % 30 == 0)
                {
                    logger.LogWarning("Cannot reach the broker {Broker} yet (attempt {Attempt}): {Reason}", Redacted(uri), attempt, e.InnerException?.Message ?? e.Message);
                }

                await Task.Delay(RecoveryInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Opens a channel; with <paramref name="confirms"/> every publish on it completes only once the broker confirmed it.</summary>
    public async Task<IChannel> OpenChannelAsync(bool confirms, ushort? dispatchConcurrency, CancellationToken cancellationToken)
    {
        try
        {
            var options = new CreateChannelOptions(
                publisherConfirmationsEnabled: confirms,
                publisherConfirmationTrackingEnabled: confirms,
                consumerDispatchConcurrency: dispatchConcurrency);
            return await _connection.CreateChannelAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AlreadyClosedException or OperationInterruptedException)
        {
            throw new BrokerUnavailableException($"The broker {Endpoint} is not connected: {e.Message}", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            await _connection.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AlreadyClosedException or OperationInterruptedException or IOException or TimeoutException)
        {
        }

        _connection.Dispose();
    }

    /// <summary>
    /// Drops the connection without waiting for work in progress, as a crashed node would (tests use it): the broker
    /// requeues every unacknowledged message of this connection.
    /// </summary>
    public async Task AbortAsync()
    {
        _disposed = true;
        try
        {
            await _connection.AbortAsync(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
        }
    }

    private Task OnShutdownAsync(object sender, ShutdownEventArgs args)
    {
        if (_disposed)
        {
            return Task.CompletedTask;
        }

        _connected = false;
        _logger.LogWarning("Lost the broker {Broker}: {Reason}. Recovering every {Interval}.", Endpoint, args.ReplyText, RecoveryInterval);
        Disconnected?.Invoke();
        return Task.CompletedTask;
    }

    private Task OnRecoveredAsync(object sender, AsyncEventArgs args)
    {
        _connected = true;
        _logger.LogInformation("Reconnected to the broker {Broker}; topology re-declared.", Endpoint);
        Reconnected?.Invoke();
        return Task.CompletedTask;
    }

    private Task OnRecoveryErrorAsync(object sender, ConnectionRecoveryErrorEventArgs args)
    {
        _logger.LogDebug("Recovery of the broker connection {Broker} failed, retrying: {Reason}", Endpoint, args.Exception.Message);
        return Task.CompletedTask;
    }

    private static string Redacted(Uri uri) => $"{uri.Scheme}://{uri.Host}:{(uri.IsDefaultPort ? 5672 : uri.Port)}{uri.AbsolutePath}";
}
