using Kcm.Cluster.Broker;
using Kcm.Cluster.Swaps;
using Kcm.Grains.Small;
using Kcm.Grains.Storage;
using Kcm.Grains.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kcm.Cluster.Tests.Support;

/// <summary>A node's small model in cluster mode, in-process: its own connection, grain and swap listener over a shared store.</summary>
public sealed class SwapNode : IAsyncDisposable
{
    private readonly KcmInstruments _instruments;
    private readonly ModelSwapFabric _fabric;

    private SwapNode(BrokerConnection connection, KcmInstruments instruments, ModelSwapFabric fabric, ClusterSmallModelGrain grain)
    {
        Connection = connection;
        _instruments = instruments;
        _fabric = fabric;
        Grain = grain;
    }

    public BrokerConnection Connection { get; }

    public ClusterSmallModelGrain Grain { get; }

    public static async Task<SwapNode> StartAsync(Uri broker, string nodeId, string series, IModelStore store)
    {
        var connection = await BrokerConnection.ConnectAsync(broker, nodeId, NullLogger.Instance, CancellationToken.None);
        var instruments = new KcmInstruments();
        var fabric = await ModelSwapFabric.StartAsync(connection, series, nodeId, NullLogger<ModelSwapFabric>.Instance, CancellationToken.None);
        var inner = new SmallModelGrain(series, store, new BiasClassifier.Codec(), instruments, NullLogger<SmallModelGrain>.Instance);
        var grain = new ClusterSmallModelGrain(inner, store, fabric, nodeId, NullLogger<ClusterSmallModelGrain>.Instance);
        return new SwapNode(connection, instruments, fabric, grain);
    }

    public async Task<int> VersionAsync() => (await Grain.GetCurrentAsync()).Version;

    public async ValueTask DisposeAsync()
    {
        await _fabric.DisposeAsync();
        await Connection.DisposeAsync();
        _instruments.Dispose();
    }
}
