using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Kcm.Abstractions.Generation;
using Kcm.Contracts;
using Kcm.Grains.Generation;

namespace Kcm.Grains.Tests.Generation;

/// <summary>The Orleans path records the legacy generation metrics under their legacy names.</summary>
[Collection(EnsembleClusterCollection.Name)]
public sealed class EnsembleGrainMetricsTests(EnsembleCluster cluster)
{
    [Fact]
    public async Task Generate_RecordsTokensAndOutcomesUnderTheLegacyNames()
    {
        var sums = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == EnsembleInstruments.MeterName && instrument.Name.StartsWith("kcm_generation", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var labels = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                labels[tag.Key] = tag.Value;
            }

            if (Equals(labels.GetValueOrDefault("model"), EnsembleCluster.Model))
            {
                var key = instrument.Name + (labels.GetValueOrDefault("outcome") is { } outcome ? "/" + outcome : "") + "/" + labels.GetValueOrDefault("mode");
                sums.AddOrUpdate(key, value, (_, sum) => sum + value);
            }
        });
        listener.Start();
        var grain = cluster.Client.GetGrain<IEnsembleGrain>(EnsembleCluster.Model);

        var generation = await GrainGeneration.ReadAsync(grain, new GenerationPrompt("We the people", 5, [], GenerationModes.Main));
        await Assert.ThrowsAsync<GenerationRefusedException>(async () =>
        {
            await foreach (var _ in grain.GenerateAsync(new GenerationPrompt("We the people", 5, [], "beam")))
            {
            }
        });

        Assert.Equal(generation.Tokens.Count, sums.GetValueOrDefault("kcm_generation_tokens_total/main"));
        Assert.Equal(1, sums.GetValueOrDefault($"kcm_generations_total/{generation.Finished.FinishReason}/main"));
        Assert.Equal(1, sums.GetValueOrDefault("kcm_generations_total/refused/invalid"));
        Assert.Equal(0, sums.GetValueOrDefault("kcm_generation_fused_steps_total/main"));
    }
}
