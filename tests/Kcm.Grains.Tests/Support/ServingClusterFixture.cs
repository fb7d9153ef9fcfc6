namespace Kcm.Grains.Tests.Support;

/// <summary>One <see cref="ServingCluster"/> shared by the tests of <see cref="ServingClusterCollection"/> (they run one after another).</summary>
public sealed class ServingClusterFixture : IAsyncLifetime
{
    private ServingCluster? _cluster;

    public SharedGrainRecords Records { get; } = new();

    public ServingCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public async Task InitializeAsync() => _cluster = await ServingCluster.StartAsync(Records);

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
