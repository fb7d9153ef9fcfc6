using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Kcm.Client;
using Kcm.Testing;

namespace Kcm.Deploy.Tests;

/// <summary>
/// The CPU image's steps replayed here (no Docker engine): the published Orleans silo answers /readyz, a real Prometheus
/// with the PrometheusRule's rules records the routing ratio the test sent and the silo count, and the dashboard and the
/// rules name only metrics the live silo exports.
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
    public async Task DockerfileSteps_PublishTheOrleansSilo_ThatAnswersReadyz()
    {
        using var response = await Silo.Http.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(File.Exists(Path.Combine(published.Folder, "app", "Kcm.Silo.dll")));
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
        // The silo-count rules over Orleans' membership: one silo in the cluster, one scraped.
        Assert.Equal(1, await prometheus.WaitForAsync("kcm:silos_in_membership:max", v => v == 1, TimeSpan.FromSeconds(10)));
        Assert.Equal(1, await prometheus.WaitForAsync("kcm:silos_scraped:count", v => v == 1, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task DashboardAndRules_NameOnlyMetricsTheLiveSiloExports()
    {
        // Counters and up-down counters appear in /metrics only once something is counted, so every event the rules and
        // the dashboard watch happens first: traffic on both routes (more teacher records than the queue holds, so some
        // are dropped), a client on the Orleans gateway, an accepted distillation round, and a published version this
        // silo cannot load.
        await SendAsync(0, 600);
        await using var client = await KcmClient.ConnectAsync(new KcmClientOptions { Gateways = { new IPEndPoint(IPAddress.Loopback, published.GatewayPort) } });
        var answer = await client.ClassifyAsync(PublishedSilo.Model, Images[0], rows: 1);
        Assert.Single(answer.Labels);
        await DistillUntilAcceptedAsync();
        await SwapToAVersionTheSiloCannotLoadAsync();

        var exposition = await Silo.Http.GetStringAsync("metrics");
        var live = ExpositionText.Families(exposition);
        var rules = new PrometheusRules(overlays["prod"]);
        var missing = MetricNameTests.Queries(rules).SelectMany(q => MetricNames.UsedIn(q.Query))
            .Where(n => !MetricNames.IsRecorded(n))
            .Where(n => !MetricNames.IsExported(n, live) && !MetricNameTests.EnsembleOnlyMetrics.Any(e => n.StartsWith(e, StringComparison.Ordinal)))
            .Where(n => !MetricNameTests.StorageQueueOnlyMetrics.Contains(n) && !MetricNameTests.HintReadingOnlyMetrics.Contains(n))
            .Distinct().ToList();
        Assert.True(missing.Count == 0, $"The dashboard or the rules name metrics the live silo does not export: {string.Join(", ", missing)}. It exports: {string.Join(", ", live.Order())}");

        // The panel of which silos hold judge and large-model activations filters on grain types by name.
        var grainTypes = ExpositionText.Select(exposition, "orleans_catalog_activations").Select(s => s.Labels["grain_type"]).ToHashSet();
        Assert.Contains("judge", grainTypes);
        Assert.Contains("largemodel", grainTypes);
        Assert.Contains("grain_type=~\"judge|largemodel\"", string.Concat(new GrafanaDashboard().Queries), StringComparison.Ordinal);
        Assert.True(ExpositionText.Sum(exposition, "orleans_gateway_connected_clients") >= 1, "The gateway counts no connected client.");
        Assert.Equal(1, ExpositionText.Sum(exposition, "orleans_consistent_ring_size"));
    }

    /// <summary>Runs rounds (more traffic before each retry) until one is accepted: a second small-model version exists.</summary>
    private async Task DistillUntilAcceptedAsync()
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            using var distill = new HttpRequestMessage(HttpMethod.Post, $"v1/models/{PublishedSilo.Model}/distill");
            distill.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PublishedSilo.AdminToken);
            using var round = await Silo.Http.SendAsync(distill);
            var text = await round.Content.ReadAsStringAsync();
            Assert.True(round.IsSuccessStatusCode, text);
            using var outcome = JsonDocument.Parse(text);
            if (outcome.RootElement.GetProperty("promoted").GetBoolean())
            {
                return;
            }

            await SendAsync(600 + (attempt * 100), 100);
        }

        Assert.Fail("Three distillation rounds were not accepted; the swap-failure check needs a second version.");
    }

    /// <summary>
    /// Corrupts the stored weights of the small-model version before the current one and rolls back to it: the silo
    /// refuses the published version (kcm_serving_swap_failures_total) and keeps serving. Then the weights are put back
    /// and the silo, polling, serves the rolled-back version, so later tests see a consistent silo.
    /// </summary>
    private async Task SwapToAVersionTheSiloCannotLoadAsync()
    {
        var serving = (int)ExpositionText.Sum(await Silo.Http.GetStringAsync("metrics"), "kcm_small_model_version");
        Assert.True(serving >= 2, $"The silo serves small-model version {serving}; a rollback needs an older one.");
        var weights = Path.Combine(published.StorePath, $"{PublishedSilo.Model}.small", $"v{serving - 1:D6}.bin");
        var original = await File.ReadAllBytesAsync(weights);
        var corrupt = (byte[])original.Clone();
        corrupt[^1] ^= 0xFF;
        await File.WriteAllBytesAsync(weights, corrupt);
        try
        {
            using var rollback = new HttpRequestMessage(HttpMethod.Post, $"v1/models/{PublishedSilo.Model}/rollback");
            rollback.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PublishedSilo.AdminToken);
            using var response = await Silo.Http.SendAsync(rollback);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            Assert.True(
                await EventuallyAsync(m => ExpositionText.Sum(m, "kcm_serving_swap_failures_total") >= 1),
                "The silo did not count the version it could not load.");
            Assert.Equal(serving, (int)ExpositionText.Sum(await Silo.Http.GetStringAsync("metrics"), "kcm_small_model_version"));
        }
        finally
        {
            await File.WriteAllBytesAsync(weights, original);
        }

        Assert.True(
            await EventuallyAsync(m => (int)ExpositionText.Sum(m, "kcm_small_model_version") == serving - 1),
            "The silo did not serve the rolled-back version once its weights were back.");
    }

    /// <summary>Reads /metrics every 200 ms for up to 20 s until <paramref name="holds"/>.</summary>
    private async Task<bool> EventuallyAsync(Func<string, bool> holds)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < until)
        {
            if (holds(await Silo.Http.GetStringAsync("metrics")))
            {
                return true;
            }

            await Task.Delay(200);
        }

        return false;
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
            using var response = await Silo.Http.PostAsync($"v1/models/{PublishedSilo.Model}/infer", content);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"infer answered {(int)response.StatusCode}: {text}");
            using var answer = JsonDocument.Parse(text);
            confidences.AddRange(answer.RootElement.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("judge_confidence").GetDouble()));
        }

        return confidences;
    }

    private async Task SetThresholdAsync(double epsilon)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"v1/models/{PublishedSilo.Model}/threshold")
        {
            Content = new StringContent(JsonSerializer.Serialize(new Dictionary<string, double> { ["epsilon"] = epsilon }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", PublishedSilo.AdminToken);
        using var response = await Silo.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"threshold answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
