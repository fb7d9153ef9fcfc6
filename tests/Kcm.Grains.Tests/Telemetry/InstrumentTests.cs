using System.Diagnostics.Metrics;
using Kcm.Abstractions.Classification;
using Kcm.Grains.Telemetry;
using Kcm.Grains.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Kcm.Grains.Tests.Telemetry;

[Collection(ServingClusterCollection.Name)]
public sealed class InstrumentTests(ServingClusterFixture fixture)
{
    /// <summary>The serving series the first version exported (dashboards and tests name them), with their units.</summary>
    private static readonly Dictionary<string, string> Legacy = new()
    {
        ["kcm_requests_total"] = "{sample}",
        ["kcm_judge_confidence"] = "1",
        ["kcm_request_duration_seconds"] = "s",
        ["kcm_batch_size"] = "{sample}",
        ["kcm_teacher_records_queued_total"] = "{record}",
        ["kcm_teacher_records_dropped_total"] = "{record}",
        ["kcm_teacher_records_consumed_total"] = "{record}",
        ["kcm_distillation_rounds_total"] = "{round}",
        ["kcm_small_model_swaps_total"] = "{swap}",
        ["kcm_judge_swaps_total"] = "{swap}",
        ["kcm_nonfinite_outputs_total"] = "{sample}",
        ["kcm_large_share"] = "1",
        ["kcm_large_queue_depth"] = "{request}",
        ["kcm_large_in_flight"] = "{sample}",
        ["kcm_teacher_queue_depth"] = "{record}",
        ["kcm_small_model_version"] = "1",
        ["kcm_judge_version"] = "1",
    };

    [Fact]
    public void TheGpuSilo_ExportsEveryLegacySeries_WithItsUnit()
    {
        var gpuMeters = fixture.Cluster.Services(0).GetRequiredService<IMeterFactory>();
        var published = new Dictionary<string, string?>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == KcmInstruments.MeterName && ReferenceEquals(instrument.Meter.Scope, gpuMeters))
                {
                    published[instrument.Name] = instrument.Unit;
                }
            },
        };
        listener.Start();

        foreach (var (name, unit) in Legacy)
        {
            Assert.True(published.TryGetValue(name, out var actual), $"{name} is not exported; exported: {string.Join(", ", published.Keys.Order())}");
            Assert.Equal(unit, actual);
        }
    }

    [Fact]
    public async Task TheRoutingTally_CountsEveryAnsweredRow_ByRoute()
    {
        var tally = fixture.Cluster.Services(0).GetRequiredService<RoutingTally>();
        var registry = fixture.Cluster.Client.GetGrain<Kcm.Abstractions.Registry.IModelRegistryGrain>(ServingCluster.Model);
        var version = await registry.SetThresholdAsync(0.999999);
        await fixture.Cluster.WaitUntilAsync(
            s => s.GetRequiredService<Serving.ServingSnapshotHolder>().Current?.Version.Version >= version.Version, TimeSpan.FromSeconds(2), "all large");
        var (small, large) = (tally.RequestsSmall, tally.RequestsLarge);

        var result = await fixture.Cluster.Client.GetGrain<IJudgeGrain>(ServingCluster.Model).ClassifyAsync(new ClassifyBatch(TestImages.Rows(500, 32), 32));

        Assert.Equal(small + result.Routes.Count(r => r == SampleRoute.Small), tally.RequestsSmall);
        Assert.Equal(large + result.Routes.Count(r => r == SampleRoute.Large), tally.RequestsLarge);
        Assert.Equal(32, tally.RequestsLarge - large);
        Assert.InRange(tally.LargeShare(), double.Epsilon, 1);
    }
}
