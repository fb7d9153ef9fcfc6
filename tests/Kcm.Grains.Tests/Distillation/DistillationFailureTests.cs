using Kcm.Abstractions.Classification;
using Kcm.Abstractions.Distillation;
using Kcm.Abstractions.Registry;
using Kcm.Grains.Distillation;
using Kcm.Grains.Telemetry;
using Kcm.Grains.Tests.Support;
using Kcm.Models;
using Kcm.Models.Sources;
using Kcm.Models.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Kcm.Grains.Tests.Distillation;

public sealed class DistillationFailureTests
{
    [Fact]
    public async Task ARoundWhoseStateWriteFails_PutsTheRecordsBack_AndTheNextRoundPublishes()
    {
        var records = new SharedGrainRecords();
        await using var serving = await StartAsync(records);
        var queue = serving.Services(0).GetRequiredService<ITeacherQueue>();
        var registry = serving.Client.GetGrain<IModelRegistryGrain>(ServingCluster.Model);
        var distiller = serving.Client.GetGrain<IDistillationGrain>(ServingCluster.Model);
        await ClassifyAllLargeAsync(serving, 3000, 50);
        Assert.Equal(50, queue.Count);
        var before = (await registry.GetCurrentAsync())!;

        records.FailNextWrite("distillation");
        var failed = await distiller.RunRoundAsync();

        Assert.Equal(DistillationOutcome.Failed, failed.Outcome);
        Assert.Contains("recording the round failed", failed.Detail, StringComparison.Ordinal);
        Assert.Equal(50, queue.Count);
        Assert.Equal(before, await registry.GetCurrentAsync());
        Assert.Equal(0, (await distiller.GetStatusAsync()).RecordsConsumed);

        var accepted = await distiller.RunRoundAsync();

        Assert.Equal(DistillationOutcome.Accepted, accepted.Outcome);
        Assert.Equal(0, queue.Count);
        Assert.Equal(before.Version + 1, (await registry.GetCurrentAsync())!.Version);
        Assert.Equal(50, (await distiller.GetStatusAsync()).RecordsConsumed);
    }

    [Fact]
    public async Task APublishThatFails_AfterTheRoundIsRecorded_ConsumesTheRecords_AndTheNextRoundPublishesTheRecordedCandidate()
    {
        var records = new SharedGrainRecords();
        await using var serving = await StartAsync(records);
        var queue = serving.Services(0).GetRequiredService<ITeacherQueue>();
        var registry = serving.Client.GetGrain<IModelRegistryGrain>(ServingCluster.Model);
        var distiller = serving.Client.GetGrain<IDistillationGrain>(ServingCluster.Model);
        await ClassifyAllLargeAsync(serving, 3000, 50);
        var before = (await registry.GetCurrentAsync())!;

        records.FailNextWrite("registry");
        var failed = await distiller.RunRoundAsync();

        Assert.Equal(DistillationOutcome.Failed, failed.Outcome);
        Assert.Contains("publishing failed", failed.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await registry.GetCurrentAsync());
        Assert.Equal(0, queue.Count);
        var recorded = await distiller.GetStatusAsync();
        Assert.Equal((50, 1), (recorded.RecordsConsumed, recorded.RoundsAccepted));

        // No new records: the round publishes the candidate the failed round recorded, and trains nothing.
        var next = await distiller.RunRoundAsync();

        var current = (await registry.GetCurrentAsync())!;
        Assert.Equal(DistillationOutcome.Empty, next.Outcome);
        Assert.Contains("published round 1's recorded candidate", next.Detail, StringComparison.Ordinal);
        Assert.Equal(before.Version + 1, current.Version);
        Assert.Equal("distillation round 1", current.Reason);
        Assert.Equal(50, (await distiller.GetStatusAsync()).RecordsConsumed);
    }

    [Fact]
    public async Task RecordsHandedOverAgain_AfterACrashBetweenTheStateWriteAndTheAcknowledgement_AreAcknowledgedWithoutTraining()
    {
        // Registered before AddKcmServing, which then keeps it (its own queue is registered only when none is).
        await using var serving = await StartAsync(new SharedGrainRecords(), services => services.AddSingleton<ITeacherQueue>(sp =>
            new RedeliveringTeacherQueue(new InProcessTeacherQueue(1000, sp.GetRequiredService<KcmInstruments>()))));
        var queue = serving.Services(0).GetRequiredService<ITeacherQueue>();
        var registry = serving.Client.GetGrain<IModelRegistryGrain>(ServingCluster.Model);
        var distiller = serving.Client.GetGrain<IDistillationGrain>(ServingCluster.Model);
        await ClassifyAllLargeAsync(serving, 3000, 50);
        var before = (await registry.GetCurrentAsync())!;

        ((RedeliveringTeacherQueue)queue).CrashNextAcknowledge();
        var trained = await distiller.RunRoundAsync();

        Assert.Equal(DistillationOutcome.Accepted, trained.Outcome);
        Assert.Equal(1, ((RedeliveringTeacherQueue)queue).Crashes);
        Assert.Equal(50, queue.Count);

        var again = await distiller.RunRoundAsync();

        var status = await distiller.GetStatusAsync();
        Assert.Equal(DistillationOutcome.Empty, again.Outcome);
        Assert.Contains("50 handed over again had been used already", again.Detail, StringComparison.Ordinal);
        Assert.Equal(0, queue.Count);
        Assert.Equal((50L, 50L, 1L), (status.RecordsConsumed, status.RecordsRedelivered, status.RoundsAccepted));
        Assert.Equal(before.Version + 1, (await registry.GetCurrentAsync())!.Version);
    }

    /// <summary>A cluster whose distiller accepts every candidate; everything is sent to the large model.</summary>
    private static Task<ServingCluster> StartAsync(SharedGrainRecords records, Action<IServiceCollection>? configureServices = null) =>
        ServingCluster.StartAsync(
            records,
            new Dictionary<string, string?> { ["Kcm:Calibration:Rule"] = "FixedEpsilon", ["Kcm:Calibration:Epsilon"] = "0.999999" },
            configureServices: services =>
            {
                configureServices?.Invoke(services);
                services.AddSingleton<IServingModelSource>(sp => new AcceptingModelSource(
                    sp.GetRequiredService<EmbeddedModelOptions>(), sp.GetRequiredService<ThresholdCalibrationOptions>(),
                    sp.GetRequiredService<IModelStore>(), sp.GetRequiredService<SafetensorsClassifierCodec>()));
            });

    private static async Task ClassifyAllLargeAsync(ServingCluster serving, int start, int count)
    {
        var result = await serving.Client.GetGrain<IJudgeGrain>(ServingCluster.Model).ClassifyAsync(new ClassifyBatch(TestImages.Rows(start, count), count));
        Assert.All(result.Routes, route => Assert.Equal(SampleRoute.Large, route));
    }
}
