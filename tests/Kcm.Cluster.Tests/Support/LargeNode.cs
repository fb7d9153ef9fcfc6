using Kcm.Cluster.Broker;
using Kcm.Cluster.Large;
using Kcm.Cluster.Telemetry;
using Kcm.Grains.Large;
using Kcm.Grains.Telemetry;
using Kcm.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kcm.Cluster.Tests.Support;

/// <summary>A <c>large</c> node in-process: its own broker connection, a large model pool and the worker feeding it.</summary>
public sealed class LargeNode : IAsyncDisposable
{
    private readonly KcmInstruments _instruments;
    private readonly LargeModelPoolGrain _pool;

    private LargeNode(BrokerConnection connection, KcmInstruments instruments, LargeModelPoolGrain pool, LargeModelWorker worker, ArithmeticLargeModel model)
    {
        Connection = connection;
        _instruments = instruments;
        _pool = pool;
        Worker = worker;
        Model = model;
    }

    public BrokerConnection Connection { get; }

    public LargeModelWorker Worker { get; }

    public ArithmeticLargeModel Model { get; }

    public static async Task<LargeNode> StartAsync(Uri broker, string nodeId, string modelName, ClusterInstruments clusterInstruments, ushort prefetch = 8)
    {
        var connection = await BrokerConnection.ConnectAsync(broker, nodeId, NullLogger.Instance, CancellationToken.None);
        var instruments = new KcmInstruments();
        var model = new ArithmeticLargeModel();
        var pool = new LargeModelPoolGrain(
            [model], new LargeModelPoolOptions { QueueCapacity = prefetch, MaxBatchSize = 16 }, instruments,
            NullLogger<LargeModelPoolGrain>.Instance);
        var worker = await LargeModelWorker.StartAsync(
            connection, nodeId, modelName, pool, prefetch, clusterInstruments, NullLogger<LargeModelWorker>.Instance, CancellationToken.None);
        return new LargeNode(connection, instruments, pool, worker, model);
    }

    /// <summary>
    /// The node dies: the broker drops its connection (so it requeues what the node had not acknowledged) and the
    /// node does not reconnect.
    /// </summary>
    public async Task KillAsync(RabbitMqBroker broker)
    {
        Assert.True(await broker.CloseClientConnectionAsync(Connection.LocalPort), "the broker did not list the node's connection");
        await Connection.AbortAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Model.Gate.Set();
        await Worker.DisposeAsync();
        await _pool.DisposeAsync();
        await Connection.DisposeAsync();
        _instruments.Dispose();
    }
}
