using Kcm.Cluster.Broker;
using Kcm.Cluster.Large;
using Kcm.Cluster.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kcm.Cluster.Tests.Support;

/// <summary>A <c>front</c> node's large-model path in-process: its own broker connection and the RabbitMQ pool.</summary>
public sealed class FrontNode : IAsyncDisposable
{
    private FrontNode(BrokerConnection connection, RabbitMqLargeModelPool pool)
    {
        Connection = connection;
        Pool = pool;
    }

    public BrokerConnection Connection { get; }

    public RabbitMqLargeModelPool Pool { get; }

    public static async Task<FrontNode> StartAsync(Uri broker, string nodeId, string modelName, ClusterInstruments instruments, int maxPending = 256)
    {
        var connection = await BrokerConnection.ConnectAsync(broker, nodeId, NullLogger.Instance, CancellationToken.None);
        var shape = new LargeModelShape("arithmetic", ArithmeticLargeModel.Features, ArithmeticLargeModel.Classes, "hint");
        var pool = await RabbitMqLargeModelPool.StartAsync(
            connection, nodeId, modelName, shape, maxPending, instruments, NullLogger<RabbitMqLargeModelPool>.Instance, CancellationToken.None);
        return new FrontNode(connection, pool);
    }

    public async ValueTask DisposeAsync()
    {
        await Pool.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
