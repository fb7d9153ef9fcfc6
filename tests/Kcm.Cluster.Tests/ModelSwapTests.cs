using System.Diagnostics;
using Kcm.Cluster.Tests.Support;
using Kcm.Grains.Storage;

namespace Kcm.Cluster.Tests;

[Collection(BrokerCollection.Name)]
public sealed class ModelSwapTests(BrokerFixture fixture) : IDisposable
{
    private readonly string _series = "s" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _storeFolder = Directory.CreateTempSubdirectory("kcm-cluster-store-").FullName;

    public void Dispose() => Directory.Delete(_storeFolder, recursive: true);

    [Fact]
    public async Task A_published_version_reaches_both_fronts_and_a_late_front_starts_on_it()
    {
        var store = new LocalDirectoryModelStore(_storeFolder, keepVersions: 5);
        await using var distiller = await SwapNode.StartAsync(fixture.Broker.Uri, "distiller", _series, store);
        Assert.False(await distiller.Grain.LoadCurrentAsync(CancellationToken.None));
        await distiller.Grain.PublishAsync(new BiasClassifier(1f), 0.5, CancellationToken.None);
        await using var front1 = await SwapNode.StartAsync(fixture.Broker.Uri, "front-1", _series, store);
        await using var front2 = await SwapNode.StartAsync(fixture.Broker.Uri, "front-2", _series, store);
        Assert.True(await front1.Grain.LoadCurrentAsync(CancellationToken.None));
        Assert.True(await front2.Grain.LoadCurrentAsync(CancellationToken.None));

        var published = await distiller.Grain.PublishAsync(new BiasClassifier(2f), 0.6, CancellationToken.None);
        var stopwatch = Stopwatch.StartNew();
        await WaitUntilAsync(async () => await front1.VersionAsync() == published.Version && await front2.VersionAsync() == published.Version, TimeSpan.FromSeconds(2));
        var swapTime = stopwatch.Elapsed;

        // Rollback on one front reaches every node, and a front started afterwards comes up on the rolled-back version.
        var rolledBack = await front1.Grain.RollbackAsync(null, CancellationToken.None);
        await WaitUntilAsync(async () => await distiller.VersionAsync() == rolledBack.Current.Version && await front2.VersionAsync() == rolledBack.Current.Version, TimeSpan.FromSeconds(2));
        await using var late = await SwapNode.StartAsync(fixture.Broker.Uri, "front-late", _series, store);
        Assert.True(await late.Grain.LoadCurrentAsync(CancellationToken.None));

        Assert.Equal(1, rolledBack.Current.Version);
        Assert.Equal(2, published.Version);
        Assert.Equal(1, await late.VersionAsync());
        var logits = new float[3];
        await late.Grain.LogitsAsync(new float[4], 1, logits, CancellationToken.None);
        Assert.Equal(1f, logits[0]);
        Assert.True(swapTime < TimeSpan.FromSeconds(2), $"swap took {swapTime}");
    }

    [Fact]
    public async Task A_version_whose_stored_hash_differs_from_the_announcement_is_refused()
    {
        var store = new LocalDirectoryModelStore(_storeFolder, keepVersions: 5);
        await using var distiller = await SwapNode.StartAsync(fixture.Broker.Uri, "distiller", _series, store);
        await distiller.Grain.PublishAsync(new BiasClassifier(1f), 0.5, CancellationToken.None);
        // The front reads another store holding different bytes under the same version number.
        var otherFolder = Directory.CreateTempSubdirectory("kcm-cluster-store-").FullName;
        try
        {
            var otherStore = new LocalDirectoryModelStore(otherFolder, keepVersions: 5);
            await otherStore.SaveAsync(_series, new BiasClassifier.Codec().Encode(new BiasClassifier(9f)), 0.1, CancellationToken.None);
            await using var front = await SwapNode.StartAsync(fixture.Broker.Uri, "front-1", _series, otherStore);

            var refusal = await Assert.ThrowsAsync<ModelStoreException>(() => front.Grain.LoadCurrentAsync(CancellationToken.None));

            Assert.Equal(ModelStoreFailure.Corrupt, refusal.Failure);
            Assert.Contains("sha256", refusal.Reason, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(otherFolder, recursive: true);
        }
    }

    [Fact]
    public async Task A_node_that_was_disconnected_during_an_announcement_catches_up_when_it_reconnects()
    {
        var store = new LocalDirectoryModelStore(_storeFolder, keepVersions: 5);
        await using var distiller = await SwapNode.StartAsync(fixture.Broker.Uri, "distiller", _series, store);
        await distiller.Grain.PublishAsync(new BiasClassifier(1f), 0.5, CancellationToken.None);
        await using var front = await SwapNode.StartAsync(fixture.Broker.Uri, "front-1", _series, store);
        Assert.True(await front.Grain.LoadCurrentAsync(CancellationToken.None));

        Assert.True(await fixture.Broker.CloseClientConnectionAsync(front.Connection.LocalPort));
        await WaitUntilAsync(() => Task.FromResult(!front.Connection.IsConnected), TimeSpan.FromSeconds(2));
        var published = await distiller.Grain.PublishAsync(new BiasClassifier(2f), 0.6, CancellationToken.None);
        // The front's listener queue went with its connection, so only the catch-up can bring it to version 2.
        Assert.False(front.Connection.IsConnected, "the front reconnected before the announcement; the test proves nothing");

        await WaitUntilAsync(async () => await front.VersionAsync() == published.Version, TimeSpan.FromSeconds(10));
        Assert.True(front.Connection.IsConnected);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(stopwatch.Elapsed < timeout, $"condition not met within {timeout}");
            await Task.Delay(10);
        }
    }
}
