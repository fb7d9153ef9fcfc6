using Kcm.Silo.Tests.Support;
using Kcm.Testing;

namespace Kcm.Silo.Tests;

[Collection(SerialCollection.Name)]
public sealed class PrometheusScrapeTests
{
    [Fact]
    public async Task RealPrometheus_ScrapesSilo_RoutingRatioMatchesSentTraffic()
    {
        Assert.True(PrometheusServer.IsInstalled, $"{PrometheusServer.ExecutablePath} is missing: run ./kcm setup");
        await using var silo = await TestSilo.StartAsync();
        const int Small = 30;
        const int Large = 10;
        for (var i = 0; i < 10; i++)
        {
            // Each batch: three confident samples (small route) and one doubtful one (large route).
            await silo.InferOkAsync(TestModels.Confident(), TestModels.Confident(), TestModels.Confident(), TestModels.Doubtful());
        }

        var address = silo.Host.Addresses[0];
        using var prometheus = await PrometheusServer.StartAsync($"{address.Host}:{address.Port}");
        var timeout = TimeSpan.FromSeconds(30);

        var small = await prometheus.WaitForAsync("sum(kcm_requests_total{route=\"small\",outcome=\"ok\"})", s => s[0].Value == Small, timeout);
        var large = await prometheus.WaitForAsync("sum(kcm_requests_total{route=\"large\",outcome=\"ok\"})", s => s[0].Value == Large, timeout);
        var share = await prometheus.WaitForAsync("kcm_large_share", s => s.Count == 1, timeout);
        var version = await prometheus.WaitForAsync("kcm_small_model_version", s => s.Count == 1, timeout);

        var expectedShare = (double)Large / (Small + Large);
        Assert.Equal(expectedShare, large[0].Value / (large[0].Value + small[0].Value), 9);
        Assert.Equal(expectedShare, share[0].Value, 6);
        Assert.Equal(1, version[0].Value);
        var confidences = await prometheus.WaitForAsync("sum(kcm_judge_confidence_count)", s => s[0].Value == Small + Large, timeout);
        Assert.Equal(Small + Large, confidences[0].Value);
        // The doubtful samples' confidence is 0.1, the confident ones' above 0.999: the buckets split them so.
        var doubtful = await prometheus.WaitForAsync("sum(kcm_judge_confidence_bucket{le=\"0.5\"})", _ => true, timeout);
        Assert.Equal(Large, doubtful[0].Value);
        var up = await prometheus.QueryAsync("up");
        Assert.Equal(1, Assert.Single(up).Value);
        Assert.Equal("kcm", up[0].Labels["job"]);
        // Scraped as the text format: no OpenMetrics _created series stored beside the counters and histograms.
        Assert.Empty(await prometheus.QueryAsync("{__name__=~\"kcm_.+_created\"}"));
    }
}
