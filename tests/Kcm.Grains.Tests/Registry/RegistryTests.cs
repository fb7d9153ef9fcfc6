using System.Diagnostics;
using Kcm.Abstractions.Classification;
using Kcm.Abstractions.Registry;
using Kcm.Grains.Serving;
using Kcm.Grains.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Kcm.Grains.Tests.Registry;

[Collection(ServingClusterCollection.Name)]
public sealed class RegistryTests(ServingClusterFixture fixture)
{
    private ServingCluster Serving => fixture.Cluster;

    private IModelRegistryGrain Registry => Serving.Client.GetGrain<IModelRegistryGrain>(ServingCluster.Model);

    [Fact]
    public async Task Publish_ReachesEverySilo_WithinTwoSeconds()
    {
        var current = (await Registry.GetCurrentAsync())!;
        var stopwatch = Stopwatch.StartNew();

        var published = await Registry.PublishAsync(new ServingProposal(current.Small, current.Judge, 0.77, "test publish"));
        await Serving.WaitUntilAsync(s => Holder(s).Current?.Version.Version == published.Version, TimeSpan.FromSeconds(2), "serving the published version");

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"took {stopwatch.Elapsed}");
        Assert.Equal(current.Version + 1, published.Version);
        Assert.All(Serving.ServingVersions(), v => Assert.Equal(published.Version, v));
    }

    [Fact]
    public async Task SetThreshold_IsServedByEverySilo_AndRoutesByIt()
    {
        var published = await Registry.SetThresholdAsync(0.999999);
        await Serving.WaitUntilAsync(s => Holder(s).Current?.Threshold == 0.999999, TimeSpan.FromSeconds(2), "serving the new threshold");

        var result = await Serving.Client.GetGrain<IJudgeGrain>(ServingCluster.Model).ClassifyAsync(new ClassifyBatch(TestImages.Rows(300, 8), 8));

        Assert.Equal(0.999999, published.Threshold);
        Assert.Equal(0.999999, result.Threshold);
        Assert.All(result.Routes, route => Assert.Equal(SampleRoute.Large, route));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Registry.SetThresholdAsync(1.5));
    }

    [Fact]
    public async Task Rollback_ServesThePreviousVersionsWeightsAndThresholdAgain_AsANewVersion()
    {
        var before = await Registry.SetThresholdAsync(0.61);
        var after = await Registry.SetThresholdAsync(0.62);

        var rolledBack = await Registry.RollbackAsync(null);
        await Serving.WaitUntilAsync(s => Holder(s).Current?.Version.Version == rolledBack.Version, TimeSpan.FromSeconds(2), "serving the rollback");

        Assert.Equal(after.Version + 1, rolledBack.Version);
        Assert.Equal(before.Threshold, rolledBack.Threshold);
        Assert.Equal(before.Small, rolledBack.Small);
        Assert.Contains($"rollback to version {before.Version}", rolledBack.Reason, StringComparison.Ordinal);
        var explicitTarget = await Registry.RollbackAsync(after.Version);
        Assert.Equal(0.62, explicitTarget.Threshold);
        await Assert.ThrowsAsync<ArgumentException>(() => Registry.RollbackAsync(1_000_000));
        var history = await Registry.GetHistoryAsync();
        Assert.Equal(explicitTarget, history[^1]);
    }

    [Fact]
    public async Task ASiloThatMissedTheNotification_CatchesUpByPolling()
    {
        var follower = Serving.Follower(1);
        var subscription = follower.Subscription!;
        var polledBefore = follower.SwapsByPolling;
        await Registry.UnsubscribeAsync(subscription);
        try
        {
            var published = await Registry.SetThresholdAsync(0.63);

            // The cpu silo hears nothing; its poll (every 500 ms here) finds the version.
            await Serving.WaitUntilAsync(s => Holder(s).Current?.Version.Version == published.Version, TimeSpan.FromSeconds(3), "caught up");
            Assert.True(follower.SwapsByPolling > polledBefore);
        }
        finally
        {
            await Registry.SubscribeAsync(subscription);
        }
    }

    [Fact]
    public async Task AFailedStateWrite_LeavesTheRegistryAsStored_AndRethrows()
    {
        var current = (await Registry.GetCurrentAsync())!;
        fixture.Records.FailNextWrite();

        // Orleans wraps the provider's exception in its own, with the provider's as the inner one.
        var error = await Assert.ThrowsAsync<Orleans.Runtime.OrleansException>(() => Registry.SetThresholdAsync(0.64));
        var afterFailure = await Registry.GetCurrentAsync();
        var next = await Registry.SetThresholdAsync(0.65);

        Assert.IsType<IOException>(error.InnerException);
        Assert.Equal(current, afterFailure);
        Assert.Equal(current.Version + 1, next.Version);
    }

    [Fact]
    public async Task Classifying_WhilePublishing_FailsNoBatch_AndEachBatchNamesOnePublishedThreshold()
    {
        var judge = Serving.Client.GetGrain<IJudgeGrain>(ServingCluster.Model);
        var features = TestImages.Rows(600, 16);
        var thresholds = Enumerable.Range(0, 10).Select(i => 0.5 + (i / 100.0)).ToArray();
        using var stop = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            var results = new List<ClassifyResult>();
            while (!stop.IsCancellationRequested)
            {
                results.Add(await judge.ClassifyAsync(new ClassifyBatch(features, 16)));
            }

            return results;
        });

        foreach (var threshold in thresholds)
        {
            var published = await Registry.SetThresholdAsync(threshold);
            await Serving.WaitUntilAsync(s => Holder(s).Current?.Version.Version >= published.Version, TimeSpan.FromSeconds(2), "serving it");
        }

        await stop.CancelAsync();
        var answered = await load;

        Assert.NotEmpty(answered);
        Assert.All(answered, result => Assert.Equal(ClassifyStatus.Completed, result.Status));
        var seen = answered.Select(r => r.Threshold).Distinct().ToList();
        Assert.True(seen.Count > 1, "the load ran across several versions");
        Assert.All(seen.Skip(1), threshold => Assert.Contains(threshold, thresholds));
    }

    [Fact]
    public async Task Seed_WithACurrentVersion_ChangesNothing()
    {
        var current = (await Registry.GetCurrentAsync())!;

        var seeded = await Registry.SeedAsync(new ServingProposal(current.Small, current.Judge, 0.5, "second seed"));

        Assert.Equal(current, seeded);
        Assert.Equal(current, await Registry.GetCurrentAsync());
    }

    private static ServingSnapshotHolder Holder(IServiceProvider silo) => silo.GetRequiredService<ServingSnapshotHolder>();
}
