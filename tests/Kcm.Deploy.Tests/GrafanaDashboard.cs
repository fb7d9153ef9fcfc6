using System.Text.Json.Nodes;
using Kcm.Testing;

namespace Kcm.Deploy.Tests;

/// <summary>deploy/grafana/kcm-dashboard.json: its panels and every PromQL query in it.</summary>
public sealed class GrafanaDashboard
{
    public static readonly string FilePath = RepositoryRoot.Combine("deploy", "grafana", "kcm-dashboard.json");

    public GrafanaDashboard()
    {
        Root = JsonNode.Parse(File.ReadAllText(FilePath))!.AsObject();
        Panels = [.. RenderedOverlay.Items(Root["panels"])];
    }

    public JsonObject Root { get; }

    public IReadOnlyList<JsonObject> Panels { get; }

    /// <summary>Panel queries and annotation queries.</summary>
    public IEnumerable<string> Queries =>
        Panels.SelectMany(p => RenderedOverlay.Items(p["targets"])).Select(t => (string?)t["expr"])
            .Concat(RenderedOverlay.Items(Root["annotations"]?["list"]).Select(a => (string?)a["expr"]))
            .OfType<string>();

    public JsonObject Panel(string title) => Assert.Single(Panels, p => (string?)p["title"] == title);

    /// <summary>A query with Grafana's variables replaced by values Prometheus accepts.</summary>
    public static string AsPromQl(string query) => query
        .Replace("$__rate_interval", "5m", StringComparison.Ordinal)
        .Replace("$namespace", ".*", StringComparison.Ordinal);
}
