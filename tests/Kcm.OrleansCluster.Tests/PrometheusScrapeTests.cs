using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Kcm.Abstractions.Classification;
using Kcm.Client;
using Kcm.Core.Data;
using Kcm.OrleansCluster.Tests.Support;
using Kcm.Testing;
using Xunit.Abstractions;

namespace Kcm.OrleansCluster.Tests;

/// <summary>
/// A real Prometheus scrapes every silo of the four-process cluster with the rules of the prod overlay's PrometheusRule:
/// the routing-ratio recording rule equals the share of samples the cluster answered by the large model (summed over
/// the silos' own counters, and as the client saw it), and every metric the Grafana dashboard names has a series from
/// this cluster.
/// </summary>
[Collection(ProcessClusterCollection.Name)]
public sealed partial class PrometheusScrapeTests(ProcessClusterFixture cluster, ITestOutputHelper output)
{
    private const int Rows = 16;
    private const double FixtureThreshold = 0.9999;
    private const int MeasuredRounds = 3;
    private const string RatioRule = "kcm:large_share:ratio_rate5m";

    /// <summary>The answered samples (both routes) as Prometheus holds them: the silos' counters summed.</summary>
    private const string AnsweredQuery = "sum(kcm_requests_total{outcome=\"ok\", route=~\"small|large\"})";

    private static readonly TimeSpan PrometheusWait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Dashboard metrics a silo exports only after an event this cluster's traffic does not cause: the ensemble's
    /// generation metrics (a silo serving an ensemble; tests/Kcm.Silo.Tests), and a published version a silo cannot load
    /// (tests/Kcm.Deploy.Tests' PublishedImageTests provokes one on a single silo).
    /// </summary>
    private static readonly string[] EventOnlyMetrics =
    [
        "kcm_generation_tokens_total", "kcm_generation_fused_steps_total", "kcm_generation_member_step_seconds",
        "kcm_serving_swap_failures_total",
    ];

    [Fact]
    public async Task RoutingRatioRule_OverEverySilo_EqualsTheShareTheClusterAnswered_AndTheDashboardsMetricsExist()
    {
        var stopwatch = Stopwatch.StartNew();
        await cluster.EnsureAllRunningAsync();
        // Traffic before Prometheus starts, from every client (each its own gateway), so every judge activation's route
        // series exists at Prometheus' first scrape: a series first seen during the measured traffic would hide the
        // samples counted before that scrape from rate(). Its judge confidences set a threshold that gives both routes a
        // good share (the fixture's sends nearly every row to the large model): their median, whatever distillation has
        // made of the judge; then the same traffic again at that threshold.
        var confidences = (await SendAsync(batchesPerClient: 4, firstBatch: 32)).SelectMany(a => a.Confidences).ToList();
        var mixed = Math.Clamp(confidences.Order().ElementAt(confidences.Count / 2), 0.01, 0.99);
        await cluster.Client.SetThresholdAsync(ClusterLoad.Model, mixed);
        var folder = Directory.CreateTempSubdirectory("kcm-prometheus-rules-").FullName;
        try
        {
            var warm = (await SendAsync(batchesPerClient: 4, firstBatch: 32)).SelectMany(a => a.Routes).ToList();
            output.WriteLine($"threshold {mixed:F4} from {confidences.Count} confidences; the same rows again: {warm.Count(r => r == SampleRoute.Large)} of {warm.Count} large");
            var rules = RenderedRuleFile.Write(folder, "prod", TimeSpan.FromSeconds(1));
            using var prometheus = await PrometheusServer.StartWithRulesAsync([.. cluster.Silos.Select(s => $"{s.Url.Host}:{s.Url.Port}")], rules);

            // Prometheus holds every silo's answered-sample series with the values the silos report (nothing in flight).
            var before = await ScrapeAllAsync();
            await prometheus.WaitForAsync(AnsweredQuery, r => Math.Abs(r[0].Value - Answered(before)) < 0.5, PrometheusWait);
            await prometheus.WaitForAsync($"count({AnsweredQuery[4..^1]})", r => r[0].Value == before.Values.Sum(t => SeriesOf(t).Count), PrometheusWait);
            await prometheus.WaitForAsync("count(up == 1)", r => r[0].Value == cluster.Silos.Count, PrometheusWait);

            // The measured traffic, in rounds: distillation (a round every 1,000 teacher records) may publish a judge
            // whose confidences have moved, so each round's threshold is the median of the round before. The share is
            // compared over all rounds together, as the rule's window holds them.
            var routes = new List<SampleRoute>();
            for (var round = 0; round < MeasuredRounds; round++)
            {
                var answers = await SendAsync(batchesPerClient: 10, firstBatch: 32 + (round * 80));
                routes.AddRange(answers.SelectMany(a => a.Routes));
                var median = answers.SelectMany(a => a.Confidences).Order().ElementAt(answers.Sum(a => a.Confidences.Length) / 2);
                output.WriteLine($"round {round}: {answers.Sum(a => a.Routes.Count(r => r == SampleRoute.Large))} of {answers.Sum(a => a.Routes.Length)} large at threshold {answers[^1].Threshold:F4}");
                if (round < MeasuredRounds - 1)
                {
                    await cluster.Client.SetThresholdAsync(ClusterLoad.Model, Math.Clamp(median, 0.01, 0.99));
                }
            }

            var after = await ScrapeAllAsync();
            var large = cluster.Silos.Sum(s => Answered(after[s.Name], "large") - Answered(before[s.Name], "large"));
            var small = cluster.Silos.Sum(s => Answered(after[s.Name], "small") - Answered(before[s.Name], "small"));
            var counted = large / (large + small);
            var clientLarge = routes.Count(r => r == SampleRoute.Large);
            var seen = (double)clientLarge / routes.Count;
            foreach (var silo in cluster.Silos)
            {
                output.WriteLine($"{silo.Name} ({silo.Roles}): large +{Answered(after[silo.Name], "large") - Answered(before[silo.Name], "large")}, "
                    + $"small +{Answered(after[silo.Name], "small") - Answered(before[silo.Name], "small")}");
            }

            output.WriteLine($"the silos counted {large} large and {small} small ({counted:F4} large); "
                + $"the client got {clientLarge} of {routes.Count} rows large ({seen:F4})");
            Assert.True(counted is > 0.2 and < 0.8, $"The median threshold should give both routes a good share; the large model answered {counted:F4}.");
            Assert.Equal(routes.Count, large + small);
            Assert.Equal(clientLarge, large);
            // Every series that counted measured traffic was already in Prometheus before it (else rate() misses some).
            var grown = cluster.Silos.SelectMany(s => SeriesOf(after[s.Name]).Where(a => a.Value > SeriesOf(before[s.Name]).GetValueOrDefault(a.Key, -1)).Select(a => (s.Name, a.Key))).ToList();
            Assert.All(grown, g => Assert.True(SeriesOf(before[g.Name]).ContainsKey(g.Key), $"{g.Name}'s series {g.Key} appeared during the measured traffic."));

            await prometheus.WaitForAsync(AnsweredQuery, r => Math.Abs(r[0].Value - Answered(after)) < 0.5, PrometheusWait);
            // The rules evaluate a second after the scrape: a value read now could still be that of the traffic's middle.
            await Task.Delay(TimeSpan.FromSeconds(3));
            var recorded = double.NaN;
            try
            {
                recorded = (await prometheus.WaitForAsync(RatioRule, r => Math.Abs(r[0].Value - counted) < 0.01, PrometheusWait))[0].Value;
            }
            catch (TimeoutException e)
            {
                output.WriteLine(e.Message);
                recorded = (await prometheus.QueryAsync(RatioRule)).FirstOrDefault()?.Value ?? double.NaN;
            }

            // What rate() made of each series: the increase it extrapolates over the window, beside the silos' own deltas.
            foreach (var series in await prometheus.QueryAsync("sum by (instance, route) (increase(kcm_requests_total{outcome=\"ok\", route=~\"small|large\"}[5m]))"))
            {
                output.WriteLine($"increase[5m] {series}");
            }

            output.WriteLine($"{RatioRule} = {recorded:F4} (|difference| {Math.Abs(recorded - counted):F4}) after {stopwatch.Elapsed.TotalSeconds:F1} s");
            Assert.True(Math.Abs(recorded - counted) < 0.01, $"{RatioRule} was {recorded}; the cluster answered {counted:F4} by the large model.");
            Assert.Equal(4, (await prometheus.WaitForAsync("kcm:silos_scraped:count", r => r[0].Value == 4, PrometheusWait))[0].Value);
            Assert.Equal(4, (await prometheus.WaitForAsync("kcm:silos_in_membership:max", r => r[0].Value == 4, PrometheusWait))[0].Value);

            await DashboardMetricsExistAsync(prometheus);

            // The teacher-buffer alert's gauges, which only silos on the Azure Storage queue export: one per silo.
            foreach (var gauge in (string[])["kcm_teacher_queue_buffered", "kcm_teacher_queue_buffer_capacity"])
            {
                Assert.Equal(4, (await prometheus.WaitForAsync($"count(count by (instance) ({gauge}))", r => r[0].Value == 4, PrometheusWait))[0].Value);
            }

            output.WriteLine($"done after {stopwatch.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            await cluster.Client.SetThresholdAsync(ClusterLoad.Model, FixtureThreshold);
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Every kcm_ and orleans_ metric the dashboard queries has at least one series in Prometheus, scraped from this
    /// cluster's silos (histogram series by their family), except the event-only ones.
    /// </summary>
    private async Task DashboardMetricsExistAsync(PrometheusServer prometheus)
    {
        var dashboard = JsonNode.Parse(await File.ReadAllTextAsync(RepositoryRoot.Combine("deploy", "grafana", "kcm-dashboard.json")))!;
        var names = Expressions(dashboard).SelectMany(e => MetricName().Matches(e).Select(m => m.Value))
            .Where(n => !n.Contains(':', StringComparison.Ordinal)).Distinct().Order().ToList();
        Assert.Contains("kcm_requests_total", names);
        Assert.Contains("orleans_catalog_activations", names);
        var missing = new List<string>();
        foreach (var name in names)
        {
            var series = (await prometheus.QueryAsync($"count({{__name__=\"{name}\"}})")).FirstOrDefault()?.Value ?? 0;
            var silos = (await prometheus.QueryAsync($"count(count by (instance) ({{__name__=\"{name}\"}}))")).FirstOrDefault()?.Value ?? 0;
            output.WriteLine($"{name}: {series} series from {silos} silos");
            if (series == 0)
            {
                missing.Add(name);
            }
        }

        var unexplained = missing.Where(n => !EventOnlyMetrics.Any(e => n.StartsWith(e, StringComparison.Ordinal))).ToList();
        Assert.True(unexplained.Count == 0, $"The dashboard names metrics no silo of the cluster exports: {string.Join(", ", unexplained)}.");
    }

    private static IEnumerable<string> Expressions(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "expr" && p.Value is JsonValue v && v.TryGetValue<string>(out var e) ? [e] : Expressions(p.Value)),
        JsonArray a => a.SelectMany(Expressions),
        _ => [],
    };

    /// <summary>Sends <paramref name="batchesPerClient"/> batches from every client at once; returns every answer.</summary>
    private async Task<List<ClassifyResult>> SendAsync(int batchesPerClient, int firstBatch)
    {
        var perClient = await Task.WhenAll(cluster.Clients.Select((client, c) => Task.Run(async () =>
        {
            var answers = new List<ClassifyResult>();
            for (var b = 0; b < batchesPerClient; b++)
            {
                answers.Add(await client.ClassifyAsync(ClusterLoad.Model, Batch(firstBatch + (c * batchesPerClient) + b), Rows));
            }

            return answers;
        })));
        return [.. perClient.SelectMany(a => a)];
    }

    /// <summary>Batch <paramref name="b"/> of the fixture's images, wrapping around after the last.</summary>
    private float[] Batch(int b)
    {
        var size = Rows * FashionMnist.PixelCount;
        var first = b % (cluster.Images.Length / size) * size;
        return cluster.Images[first..(first + size)];
    }

    private async Task<Dictionary<string, string>> ScrapeAllAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var texts = await Task.WhenAll(cluster.Silos.Select(s => http.GetStringAsync(new Uri(s.Url, "/metrics"))));
        return cluster.Silos.Select((s, i) => (s.Name, texts[i])).ToDictionary(p => p.Name, p => p.Item2);
    }

    private static double Answered(Dictionary<string, string> texts) => texts.Values.Sum(t => Answered(t, "small") + Answered(t, "large"));

    private static double Answered(string text, string route) =>
        ExpositionText.Sum(text, "kcm_requests_total", ("route", route), ("outcome", "ok"));

    /// <summary>A silo's answered-sample series (route and outcome ok), keyed by their labels, with their values.</summary>
    private static Dictionary<string, double> SeriesOf(string text) =>
        ExpositionText.Select(text, "kcm_requests_total", ("outcome", "ok"))
            .Where(s => s.Labels.GetValueOrDefault("route") is "small" or "large")
            .ToDictionary(s => string.Join(",", s.Labels.OrderBy(l => l.Key).Select(l => $"{l.Key}={l.Value}")), s => s.Value);

    [GeneratedRegex(@"\b(kcm[_:]|orleans_)[a-z0-9_:]*[a-z0-9]")]
    private static partial Regex MetricName();
}
