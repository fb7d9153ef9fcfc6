using Kcm.Abstractions.Registry;
using Kcm.Grains.Tests.Support;

namespace Kcm.Grains.Tests.Registry;

/// <summary>A registry whose state is lost (in-memory grain storage on a silo that died) is seeded again, and silos follow it.</summary>
public sealed class RegistryLossTests
{
    [Fact]
    public async Task SilosServingAHigherVersion_FollowTheRegistry_WhenItsStateWasLostAndSeededAgain()
    {
        var records = new SharedGrainRecords();
        await using var serving = await ServingCluster.StartAsync(records);
        var registry = serving.Client.GetGrain<IModelRegistryGrain>(ServingCluster.Model);
        await registry.SetThresholdAsync(0.81);
        var high = await registry.SetThresholdAsync(0.82);
        await serving.WaitUntilAsync(_ => serving.ServingVersions().All(v => v == high.Version), TimeSpan.FromSeconds(2), "serving the high version");

        records.Records.Clear();
        await serving.Cluster.DeactivateAsync(registry);
        // The distiller silo finds no version on its next poll, seeds version 1; every silo follows it down.
        await serving.WaitUntilAsync(_ => serving.ServingVersions().All(v => v == 1), TimeSpan.FromSeconds(5), "following the re-seeded registry");

        var current = (await registry.GetCurrentAsync())!;
        Assert.Equal(1, current.Version);
        Assert.Equal(0.9, current.Threshold);
        var next = await registry.SetThresholdAsync(0.83);
        await serving.WaitUntilAsync(_ => serving.ServingVersions().All(v => v == next.Version), TimeSpan.FromSeconds(2), "serving the next publish");
    }
}
