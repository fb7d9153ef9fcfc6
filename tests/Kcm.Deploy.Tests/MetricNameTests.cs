namespace Kcm.Deploy.Tests;

/// <summary>
/// Every kcm_ metric the rules and the dashboard query is one the Orleans silo's source exports, or a series derived
/// from one; every kcm: name is a recording rule. Orleans' own orleans_ names are not in our source: PublishedImageTests
/// checks them, and all the others again, against a live silo's /metrics.
/// </summary>
public sealed class MetricNameTests(RenderedOverlays overlays) : IClassFixture<RenderedOverlays>
{
    /// <summary>
    /// Metrics only a silo serving an ensemble exports (Kcm:Ensemble:Manifest set; tests/Kcm.Silo.Tests checks them on a
    /// live silo): the published silo these tests start serves none.
    /// </summary>
    public static IReadOnlyList<string> EnsembleOnlyMetrics { get; } =
        ["kcm_generation_tokens_total", "kcm_generation_fused_steps_total", "kcm_generation_member_step_seconds"];

    /// <summary>
    /// Metrics only a silo on the Azure Storage teacher queue exports (its in-memory buffer while storage is away); the
    /// published image here runs the in-process queue, so tests/Kcm.OrleansCluster.Tests' PrometheusScrapeTests checks
    /// them on a cluster over Azurite.
    /// </summary>
    public static IReadOnlyList<string> StorageQueueOnlyMetrics { get; } = ["kcm_teacher_queue_buffered", "kcm_teacher_queue_buffer_capacity"];

    /// <summary>
    /// Metrics only a silo whose large model reads the hint exports (the shipped default, models/fashion-cnn.onnx, has
    /// no hint input, so the published image never counts one); tests/Kcm.Silo.Tests' HintTests checks them live.
    /// </summary>
    public static IReadOnlyList<string> HintReadingOnlyMetrics { get; } = ["kcm_hint_rows_total"];

    [Fact]
    public void RulesAndDashboard_QueryOnlyExportedKcmMetrics_OrRecordingRules()
    {
        var source = MetricNames.InSource();
        Assert.Contains("kcm_requests_total", source);
        var rules = new PrometheusRules(overlays["prod"]);
        var records = rules.RecordNames.ToHashSet();
        var unknown = new List<string>();
        foreach (var (where, query) in Queries(rules))
        {
            foreach (var name in MetricNames.UsedIn(query).Where(n => !MetricNames.IsOrleans(n)))
            {
                var known = MetricNames.IsRecorded(name) ? records.Contains(name) : MetricNames.IsExported(name, source);
                if (!known)
                {
                    unknown.Add($"{name} ({where}: {query.Trim()})");
                }
            }
        }

        Assert.True(unknown.Count == 0, "Names neither exported by the silo's source nor recorded by a rule:\n" + string.Join('\n', unknown));
    }

    [Fact]
    public void RulesAndDashboard_WatchTheOrleansCluster()
    {
        var used = Queries(new PrometheusRules(overlays["prod"])).SelectMany(q => MetricNames.UsedIn(q.Query)).ToHashSet();

        foreach (var orleans in new[]
        {
            "orleans_consistent_ring_size", "orleans_catalog_activations", "orleans_gateway_connected_clients",
            "orleans_app_requests_latency_milliseconds_bucket", "orleans_app_requests_latency_milliseconds_count",
        })
        {
            Assert.Contains(orleans, used);
        }
    }

    [Fact]
    public void MetricNameCheck_RejectsANameTheSiloDoesNotExport()
    {
        var source = MetricNames.InSource();
        Assert.True(MetricNames.IsExported("kcm_request_duration_seconds_bucket", source));
        Assert.False(MetricNames.IsExported("kcm_request_latency_seconds_bucket", source));
        Assert.Equal(["kcm:large_share:ratio_rate5m", "kcm_requests_total", "orleans_catalog_activations"],
            MetricNames.UsedIn("kcm:large_share:ratio_rate5m > sum(rate(kcm_requests_total{queue=\"kcm.large.x\"}[5m])) + orleans_catalog_activations"));
    }

    /// <summary>Every rule expression and dashboard query, with where it comes from.</summary>
    public static IEnumerable<(string Where, string Query)> Queries(PrometheusRules rules) =>
        rules.Expressions.Select(e => ("rule", e)).Concat(new GrafanaDashboard().Queries.Select(q => ("dashboard", q)));
}
