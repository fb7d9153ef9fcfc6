using System.Text.Json.Nodes;
using static Kcm.Deploy.Tests.RenderedOverlay;

namespace Kcm.Deploy.Tests;

/// <summary>
/// The rule groups of the PrometheusRule `kcm` as rendered in prod, written out as a plain Prometheus rules file
/// (JSON, which is YAML) so promtool can read them.
/// </summary>
public sealed class PrometheusRules
{
    public PrometheusRules(RenderedOverlay prod)
    {
        Spec = prod.Single("PrometheusRule", "kcm")["spec"]!.AsObject();
        Rules = [.. Items(Spec["groups"]).SelectMany(g => Items(g["rules"]))];
    }

    public JsonObject Spec { get; }

    public IReadOnlyList<JsonObject> Rules { get; }

    public IEnumerable<string> RecordNames => Rules.Select(r => Text(r["record"])).OfType<string>();

    public IEnumerable<string> AlertNames => Rules.Select(r => Text(r["alert"])).OfType<string>();

    public IEnumerable<string> Expressions => Rules.Select(r => Text(r["expr"])!);

    /// <summary>Writes the rules as <c>rules.yaml</c> into <paramref name="folder"/> and returns its path.</summary>
    public string WriteTo(string folder, Func<string, string>? rewriteExpression = null)
    {
        var spec = Spec.DeepClone().AsObject();
        if (rewriteExpression is not null)
        {
            foreach (var rule in Items(spec["groups"]).SelectMany(g => Items(g["rules"])))
            {
                rule["expr"] = rewriteExpression(Text(rule["expr"])!);
            }
        }

        var path = Path.Combine(folder, "rules.yaml");
        File.WriteAllText(path, spec.ToJsonString());
        return path;
    }
}
