using System.Text.Json.Nodes;

namespace Kcm.Deploy.Tests;

/// <summary>deploy/grafana/kcm-dashboard.json has the panels issue 7 lists, and its queries are valid PromQL.</summary>
public sealed class GrafanaDashboardTests
{
    private readonly GrafanaDashboard _dashboard = new();

    [Theory]
    [InlineData("Routing ratio (large-model share)", "timeseries", "kcm:large_share:ratio_rate5m")]
    [InlineData("Requests by route", "timeseries", "kcm_requests_total")]
    [InlineData("Latency p50 / p99 by route", "timeseries", "kcm:request_duration_seconds:p99_rate5m")]
    [InlineData("Judge confidence", "heatmap", "kcm_judge_confidence_bucket")]
    [InlineData("Queue depths", "timeseries", "kcm:broker_queue_messages:max")]
    [InlineData("Distillation rounds", "timeseries", "kcm_distillation_rounds_total")]
    [InlineData("Small-model version per node", "timeseries", "kcm_small_model_version")]
    [InlineData("Large-model share before and after each swap", "timeseries", "offset")]
    public void Dashboard_HasThePanel(string title, string type, string queried)
    {
        var panel = _dashboard.Panel(title);
        Assert.Equal(type, (string?)panel["type"]);
        Assert.Contains(RenderedOverlay.Items(panel["targets"]), t => ((string?)t["expr"])?.Contains(queried, StringComparison.Ordinal) == true);
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
