using System.Text.Json.Nodes;

namespace Kcm.Deploy.Tests;

/// <summary>deploy/grafana/kcm-dashboard.json has the panels issues 7, 16 and 18 list, and its queries are valid PromQL.</summary>
public sealed class GrafanaDashboardTests
{
    private readonly GrafanaDashboard _dashboard = new();

    [Theory]
    [InlineData("Routing ratio (large-model share)", "timeseries", "kcm:large_share:ratio_rate5m")]
    [InlineData("Requests by route", "timeseries", "kcm_requests_total")]
    [InlineData("Latency p50 / p99 by route", "timeseries", "kcm:request_duration_seconds:p99_rate5m")]
    [InlineData("Judge confidence", "heatmap", "kcm_judge_confidence_bucket")]
    [InlineData("Queue depths", "timeseries", "kcm:large_queue_depth:sum")]
    [InlineData("Distillation rounds", "timeseries", "kcm_distillation_rounds_total")]
    [InlineData("Serving version per silo", "timeseries", "kcm_serving_version")]
    [InlineData("Serving swap failures", "timeseries", "kcm_serving_swap_failures_total")]
    [InlineData("Hints echoed (large route)", "timeseries", "kcm_hint_rows_total{namespace=~\"$namespace\", outcome=\"echoed\"}")]
    [InlineData("Large-model share before and after each swap", "timeseries", "offset")]
    [InlineData("Silos in the cluster", "timeseries", "orleans_consistent_ring_size")]
    [InlineData("Orleans gateway clients", "timeseries", "orleans_gateway_connected_clients")]
    [InlineData("Activations per grain type and silo", "timeseries", "sum by (pod, grain_type) (orleans_catalog_activations")]
    [InlineData("Grain calls per second", "timeseries", "orleans_app_requests_latency_milliseconds_count")]
    [InlineData("Grain call latency p50 / p99", "timeseries", "orleans_app_requests_latency_milliseconds_bucket")]
    [InlineData("Judge and large-model activations by silo", "table", "grain_type=~\"judge|largemodel\"")]
    public void Dashboard_HasThePanel(string title, string type, string queried)
    {
        var panel = _dashboard.Panel(title);
        Assert.Equal(type, (string?)panel["type"]);
        Assert.Contains(RenderedOverlay.Items(panel["targets"]), t => ((string?)t["expr"])?.Contains(queried, StringComparison.Ordinal) == true);
    }

    [Fact]
    public void OrleansPanels_SitRightBelowTheRoutingRatio()
    {
        var ratio = _dashboard.Panel("Routing ratio (large-model share)");
        var below = (int)ratio["gridPos"]!["y"]! + (int)ratio["gridPos"]!["h"]!;
        foreach (var title in new[] { "Silos in the cluster", "Orleans gateway clients", "Judge and large-model activations by silo" })
        {
            Assert.Equal(below, (int)_dashboard.Panel(title)["gridPos"]!["y"]!);
        }
    }

    [Fact]
    public void Dashboard_MarksEverySmallModelSwap()
    {
        var swaps = Assert.Single(RenderedOverlay.Items(_dashboard.Root["annotations"]?["list"]));
        Assert.Contains("kcm_small_model_swaps_total", (string?)swaps["expr"]);
    }

    [Fact]
    public void EveryPanel_IsPlaced_AndQueriesThePrometheusVariable()
    {
        Assert.Equal(_dashboard.Panels.Count, _dashboard.Panels.Select(p => (int)p["id"]!).Distinct().Count());
        foreach (var panel in _dashboard.Panels)
        {
            Assert.NotNull(panel["gridPos"]?["w"]);
            var targets = RenderedOverlay.Items(panel["targets"]).ToList();
            Assert.NotEmpty(targets);
            Assert.All(targets, t => Assert.False(string.IsNullOrWhiteSpace((string?)t["expr"])));
            Assert.Equal("${datasource}", (string?)panel["datasource"]?["uid"]);
        }
    }

    [Fact]
    public void EveryQuery_IsValidPromQl()
    {
        // promtool parses every expression of a rules file: each query becomes one recording rule.
        var rules = new JsonArray([.. _dashboard.Queries.Select((q, i) => (JsonNode)new JsonObject
        {
            ["record"] = $"dashboard:query_{i}",
            ["expr"] = GrafanaDashboard.AsPromQl(q),
        })]);
        var file = new JsonObject { ["groups"] = new JsonArray(new JsonObject { ["name"] = "dashboard", ["rules"] = rules }) };
        using var folder = new TemporaryFolder();
        var path = Path.Combine(folder.Path, "dashboard-queries.yaml");
        File.WriteAllText(path, file.ToJsonString());
        var check = ExternalCommand.Run("promtool", ["check", "rules", path]);
        Assert.True(check.ExitCode == 0, check.Output);
        Assert.Contains($"SUCCESS: {rules.Count} rules found", check.Output);
    }
}
