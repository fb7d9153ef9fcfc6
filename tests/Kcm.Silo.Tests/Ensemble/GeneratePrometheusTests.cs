using Kcm.Contracts;
using Kcm.Testing;

namespace Kcm.Silo.Tests.Ensemble;

/// <summary>A real Prometheus (Debian's) scrapes the ensemble silo and answers the PromQL that docs/serving.md gives.</summary>
[Collection(EnsembleCollection.Name)]
public sealed class GeneratePrometheusTests(EnsembleSilo ensemble)
{
    [Fact]
    public async Task RealPrometheus_DocumentedQueries_GiveTokensPerSecondAndTheFusedStepShare()
    {
        Assert.True(PrometheusServer.IsInstalled, $"{PrometheusServer.ExecutablePath} is missing: run ./kcm setup");
        GenerateRequest[] requests = [new("Liberty", 6, Mode: GenerationModes.Main), new("Liberty", 6, Mode: GenerationModes.Gated)];
        // The same generations before and after Prometheus' first scrape: the rates then see exactly the second ones.
        foreach (var request in requests)
        {
            await GenerationStreams.ReadAsync(ensemble.Client, EnsembleSilo.Model, request);
        }

        var address = ensemble.Silo.Host.Addresses[0];
        using var prometheus = await PrometheusServer.StartAsync($"{address.Host}:{address.Port}");
        var timeout = TimeSpan.FromSeconds(30);
        var series = $"kcm_generation_tokens_total{{model=\"{EnsembleSilo.Model}\"}}";
        var before = await prometheus.WaitForAsync($"sum({series})", s => s[0].Value > 0, timeout);
        var measured = new List<GenerationStreams>();
        foreach (var request in requests)
        {
            measured.Add(await GenerationStreams.ReadAsync(ensemble.Client, EnsembleSilo.Model, request));
        }

        var total = before[0].Value + measured.Sum(m => m.Done.Tokens);
        await prometheus.WaitForAsync($"sum({series})", s => s[0].Value == total, timeout);

        var filter = $"{{model=\"{EnsembleSilo.Model}\",mode=~\"main|gated\"}}";
        var tokensPerSecond = await prometheus.QueryAsync($"sum by (model, mode) (rate(kcm_generation_tokens_total{filter}[1m]))");
        var share = await prometheus.QueryAsync(
            $"sum by (model, mode) (rate(kcm_generation_fused_steps_total{filter}[1m])) / sum by (model, mode) (rate(kcm_generation_tokens_total{filter}[1m]))");

        Assert.Equal(2, tokensPerSecond.Count);
        Assert.All(tokensPerSecond, s => Assert.True(s.Value > 0, s.ToString()));
        Assert.Equal(0, share.Single(s => s.Labels["mode"] == GenerationModes.Main).Value);
        Assert.Equal(measured[1].Done.FusedStepShare, share.Single(s => s.Labels["mode"] == GenerationModes.Gated).Value, 6);
    }
}
