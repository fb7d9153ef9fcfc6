using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kcm.Testing;

namespace Kcm.Deploy.Tests;

/// <summary>
/// The CPU image's steps replayed here (no Docker engine): the published silo answers /readyz, a real Prometheus
/// with the PrometheusRule's rules records the routing ratio the test sent, and the dashboard queries only metrics the
/// live silo exports.
/// </summary>
public sealed class PublishedImageTests(PublishedSilo published, RenderedOverlays overlays)
    : IClassFixture<PublishedSilo>, IClassFixture<RenderedOverlays>
{
    private const int BatchSize = 50;

    private static readonly float[][] Images = FashionMnistTestImages.Read(1000);

    private SiloProcess Silo
    {
        get
        {
            Assert.True(published.Publish?.ExitCode == 0, "The Dockerfile's build stage failed:\n" + published.Publish?.Output);
            return published.Silo!;
        }
    }

    [Fact]
    public async Task DockerfileSteps_PublishASilo_ThatAnswersReadyz()
    {
        using var response = await Silo.Http.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(File.Exists(Path.Combine(published.Folder, "app", "models", "fashion-cnn.onnx")));
    }

    [Fact]
    public async Task RoutingRatioRule_InARealPrometheus_RecordsTheRatioTheSiloAnswered()
    {
        using var folder = new TemporaryFolder();
        var rules = new PrometheusRules(overlays["prod"]);
        // The group's 30 s interval shortened to 1 s so the test need not wait; the expressions are unchanged.
        foreach (var group in RenderedOverlay.Items(rules.Spec["groups"]))
        {
            group["interval"] = "1s";
        }

        var rulesPath = rules.WriteTo(folder.Path);
        using var prometheus = new RuleEvaluatingPrometheus(folder.Path, rulesPath, $"127.0.0.1:{Silo.Port}");
        // The threshold set to the median judge confidence, so both routes get about half of the samples.
        var confidences = await SendAsync(0, 200);
        await SetThresholdAsync(confidences.Order().ElementAt(confidences.Count / 2));
        // Both route series must be in Prometheus before the measured traffic, or rate() misses the start of one.
        await SendAsync(200, 200);
        var series = await prometheus.WaitForAsync("count(kcm_requests_total{outcome=\"ok\"})", v => v >= 2, TimeSpan.FromSeconds(30));
        Assert.True(series >= 2, $"Prometheus did not scrape both routes' series (count {series}).");

        // Counts before and after the traffic the ratio is computed over, read from the silo itself.
        var before = await Silo.Http.GetStringAsync("metrics");
        await Task.Delay(TimeSpan.FromSeconds(2));
        await SendAsync(400, 600);
        var after = await Silo.Http.GetStringAsync("metrics");
        var large = Answered(after, "large") - Answered(before, "large");
        var small = Answered(after, "small") - Answered(before, "small");
        Assert.True(large > 0 && small > 0, $"Both routes should get traffic at the median threshold (large {large}, small {small}).");
        var sent = large / (large + small);

        var recorded = await prometheus.WaitForAsync("kcm:large_share:ratio_rate5m", v => Math.Abs(v - sent) < 0.01, TimeSpan.FromSeconds(30));
        Assert.True(recorded is { } r && Math.Abs(r - sent) < 0.01, $"kcm:large_share:ratio_rate5m was {recorded}; the silo answered {sent:F4} by the large model.");
        var p99 = await prometheus.WaitForAsync("max(kcm:request_duration_seconds:p99_rate5m)", v => v > 0, TimeSpan.FromSeconds(10));
        Assert.True(p99 > 0, "The latency quantile rule recorded nothing.");
    }

    [Fact]
    public async Task Dashboard_QueriesOnlyMetricsTheLiveSiloExports()
    {
        await SendAsync(0, 1000);
        using var distill = new HttpRequestMessage(HttpMethod.Post, "v1/models/fashion-mnist/distill");
        distill.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PublishedSilo.AdminToken);
        using var round = await Silo.Http.SendAsync(distill);
        Assert.True(round.IsSuccessStatusCode, await round.Content.ReadAsStringAsync());

        var live = ExpositionText.Families(await Silo.Http.GetStringAsync("metrics"));
        var missing = new GrafanaDashboard().Queries.SelectMany(MetricNames.UsedIn)
            .Where(n => !n.Contains(':', StringComparison.Ordinal))
            .Where(n => !MetricNames.IsExported(n, live) && !MetricNameTests.ClusterOnlyMetrics.Contains(n) && !MetricNameTests.EnsembleOnlyMetrics.Any(e => n.StartsWith(e, StringComparison.Ordinal)))
            .Distinct().ToList();
        Assert.True(missing.Count == 0, $"The dashboard queries metrics the live silo does not export: {string.Join(", ", missing)}. It exports: {string.Join(", ", live.Order())}");
    }

    private static double Answered(string exposition, string route) =>
        ExpositionText.Sum(exposition, "kcm_requests_total", ("route", route), ("outcome", "ok"));

    /// <summary>Sends images [first, first + count) in batches; returns the judge confidence of each.</summary>
    private async Task<List<double>> SendAsync(int first, int count)
    {
        var confidences = new List<double>();
        for (var start = first; start < first + count; start += BatchSize)
        {
            var body = JsonSerializer.Serialize(new Dictionary<string, float[][]> { ["inputs"] = Images[start..(start + BatchSize)] });
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await Silo.Http.PostAsync("v1/models/fashion-mnist/infer", content);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"infer answered {(int)response.StatusCode}: {text}");
            using var answer = JsonDocument.Parse(text);
            confidences.AddRange(answer.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("judge_confidence").GetDouble()));
        }

        return confidences;
    }

    private async Task SetThresholdAsync(double epsilon)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "v1/models/fashion-mnist/threshold")
        {
            Content = new StringContent(JsonSerializer.Serialize(new Dictionary<string, double> { ["epsilon"] = epsilon }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PublishedSilo.AdminToken);
        using var response = await Silo.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"threshold answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
