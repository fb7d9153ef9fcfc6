using Kcm.Abstractions.Classification;
using Kcm.Abstractions.Distillation;
using Kcm.Abstractions.Registry;
using Kcm.Grains.Distillation;
using Kcm.Grains.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Kcm.Grains.Tests.Distillation;

[Collection(ServingClusterCollection.Name)]
public sealed class DistillationTests(ServingClusterFixture fixture)
{
    private ServingCluster Serving => fixture.Cluster;

    [Fact]
    public async Task ARound_ConsumesTheTeacherRecords_AndAcceptsOrRejectsItsCandidate()
    {
        var registry = Serving.Client.GetGrain<IModelRegistryGrain>(ServingCluster.Model);
        var queue = Serving.Services(0).GetRequiredService<ITeacherQueue>();
        var distiller = Serving.Client.GetGrain<IDistillationGrain>(ServingCluster.Model);
        // Everything to the large model, whose answers become teacher records on the gpu silo's queue.
        await registry.SetThresholdAsync(0.999999);
        await Serving.WaitUntilAsync(s => s.GetRequiredService<Serving.ServingSnapshotHolder>().Current?.Threshold == 0.999999, TimeSpan.FromSeconds(2), "all large");
        await distiller.RunRoundAsync(); // drains what earlier tests left (which may publish a version)
        var threshold = (await registry.GetCurrentAsync())!;
        var judge = Serving.Client.GetGrain<IJudgeGrain>(ServingCluster.Model);
        for (var start = 1000; start < 1400; start += 100)
        {
            Assert.Equal(ClassifyStatus.Completed, (await judge.ClassifyAsync(new ClassifyBatch(TestImages.Rows(start, 100), 100))).Status);
        }

        Assert.Equal(400, queue.Count);
        var before = await distiller.GetStatusAsync();

        var round = await distiller.RunRoundAsync();

        var after = await distiller.GetStatusAsync();
        Assert.Contains(round.Outcome, new[] { DistillationOutcome.Accepted, DistillationOutcome.Rejected });
        Assert.Equal(400, round.SampleCount);
        Assert.Equal(0, queue.Count);
        Assert.Equal(before.RecordsConsumed + 400, after.RecordsConsumed);
        Assert.False(after.RoundRunning);
        var current = (await registry.GetCurrentAsync())!;
        if (round.Outcome == DistillationOutcome.Accepted || round.JudgeVersion is not null)
        {
            // A candidate that passed the check serves on every silo.
            Assert.True(current.Version > threshold.Version);
            Assert.Equal(round.ServingVersion, current.Version);
            await Serving.WaitUntilAsync(
                s => s.GetRequiredService<Serving.ServingSnapshotHolder>().Current?.Version.Version == current.Version, TimeSpan.FromSeconds(2), "serving the distilled version");
        }
        else
        {
            Assert.Equal(threshold.Version, current.Version);
        }
    }

    [Fact]
    public async Task ARound_WithoutRecords_IsEmpty()
    {
        var distiller = Serving.Client.GetGrain<IDistillationGrain>(ServingCluster.Model);
        await distiller.RunRoundAsync();

        var round = await distiller.RunRoundAsync();

        Assert.Equal(DistillationOutcome.Empty, round.Outcome);
        Assert.Equal(0, round.SampleCount);
    }
}
