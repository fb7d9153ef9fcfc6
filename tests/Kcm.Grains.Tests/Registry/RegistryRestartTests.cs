using Kcm.Abstractions.Registry;
using Kcm.Grains.Hosting;
using Kcm.Grains.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Kcm.Grains.Tests.Registry;

/// <summary>
/// The registry's state across a restart of every silo: grain storage here is <see cref="SharedGrainStorage"/>, whose
/// records outlive the cluster (as a durable provider's would), and the model store is the same folder.
/// </summary>
public sealed class RegistryRestartTests
{
    [Fact]
    public async Task RegistryState_SurvivesARestartOfTheWholeCluster()
    {
        var records = new SharedGrainRecords();
        ServingVersion published;
        ServingVersion[] history;
        await using (var first = await ServingCluster.StartAsync(records))
        {
            var registry = first.Client.GetGrain<IModelRegistryGrain>(ServingCluster.Model);
            await registry.SetThresholdAsync(0.71);
            published = await registry.SetThresholdAsync(0.72);
            history = await registry.GetHistoryAsync();
        }

        await using var second = await ServingCluster.StartAsync(records);
        var restarted = second.Client.GetGrain<IModelRegistryGrain>(ServingCluster.Model);

        Assert.Equal(published, await restarted.GetCurrentAsync());
        Assert.Equal(history, await restarted.GetHistoryAsync());
        // Every silo of the new cluster serves the stored version; nothing was seeded again.
        Assert.All(second.ServingVersions(), v => Assert.Equal(published.Version, v));
        Assert.Equal(published, second.Services(1).GetRequiredService<ServingReadiness>().Version);
    }
}
