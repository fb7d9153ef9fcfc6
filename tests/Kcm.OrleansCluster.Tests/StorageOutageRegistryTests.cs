using System.Diagnostics;
using System.Globalization;
using Kcm.Abstractions.Registry;
using Kcm.OrleansCluster.Tests.Support;
using Xunit.Abstractions;

namespace Kcm.OrleansCluster.Tests;

/// <summary>
/// The registry's state lives in its Azure Table grain-storage row, not in a silo: kill -9 of the silo holding the
/// registry grain, and the activation on the other silo reads the same current version and history; the killed silo,
/// started again, serves the stored version (it asks the registry, nothing is seeded again). On a two-silo cluster of
/// its own (<see cref="StorageOutageRegistryCluster"/> says why).
/// </summary>
[Collection(StorageOutageRegistryCollection.Name)]
public sealed class StorageOutageRegistryTests(StorageOutageRegistryCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public async Task KillingAndRestartingTheSiloHoldingTheRegistry_RestoresItsStateFromTheAzureTable()
    {
        // No load runs on this cluster: no round publishes while the registry moves.
        // A version of this test's own (a threshold no other test sets), so the state read back is not the seed's.
        var published = await cluster.Client.SetThresholdAsync(ClusterLoad.Model, 0.99985);
        var history = await cluster.Client.GetServingHistoryAsync(ClusterLoad.Model);
        var holder = cluster.Silo(await cluster.SiloHoldingAsync("ModelRegistryGrain")
            ?? throw new InvalidOperationException("no silo holds the registry grain after a call to it"));
        holder.Kill();

        // The next call activates the registry on a live silo (once the dead one is declared dead), from its table row.
        var clock = Stopwatch.StartNew();
        ServingVersion? current = null;
        Exception? last = null;
        while (current is null && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                current = await cluster.Client.GetServingVersionAsync(ClusterLoad.Model);
            }
            catch (Exception e)
            {
                last = e;
                await Task.Delay(200);
            }
        }

        var answeredAfter = clock.Elapsed;
        var historyAfter = await cluster.Client.GetServingHistoryAsync(ClusterLoad.Model);
        var newHolder = await cluster.SiloHoldingAsync("ModelRegistryGrain");

        // The killed silo, started again on its ports, serves the stored version.
        holder.Start();
        await holder.WaitUntilReadyAsync(ProcessClusterFixture.ReadyTimeout);
        var restartedAfter = clock.Elapsed;
        var served = 0.0;
        while (clock.Elapsed < restartedAfter + TimeSpan.FromSeconds(30)
            && (served = await holder.MetricAsync("kcm_serving_version")) != published.Version)
        {
            await Task.Delay(200);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"registry at version {published.Version} (threshold {published.Threshold}, {history.Length} versions kept) on {holder.Name}, killed; "
            + $"answered again from {newHolder} {answeredAfter.TotalSeconds:F1} s later with version {current?.Version} and {historyAfter.Length} versions; "
            + $"{holder.Name} ready again {restartedAfter.TotalSeconds:F1} s after the kill, serving version {served}"));
        Assert.True(current is not null, $"the registry did not answer within 30 s of the kill: {last?.Message}");
        Assert.Equal(published, current);
        Assert.Equal(history, historyAfter);
        Assert.NotEqual(holder.Name, newHolder);
        Assert.Equal(published.Version, served);
    }
}
