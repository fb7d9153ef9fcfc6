using System.Text.Json.Nodes;
using Kcm.Testing;

namespace Kcm.Deploy.Tests;

/// <summary>One kustomize overlay of deploy/k8s rendered by `kubectl kustomize`, as parsed objects.</summary>
public sealed class RenderedOverlay
{
    private RenderedOverlay(string name, string yaml, IReadOnlyList<JsonObject> objects)
    {
        Name = name;
        Yaml = yaml;
        Objects = objects;
    }

    public string Name { get; }

    /// <summary>The rendered text, as `kubectl apply -k` would send it.</summary>
    public string Yaml { get; }

    public IReadOnlyList<JsonObject> Objects { get; }

    public IEnumerable<JsonObject> Deployments => OfKind("Deployment");

    public static RenderedOverlay Render(string overlay)
    {
        var folder = RepositoryRoot.Combine("deploy", "k8s", "overlays", overlay);
        var result = ExternalCommand.Run("kubectl", ["kustomize", folder]);
        Assert.True(result.ExitCode == 0, $"kubectl kustomize {folder} failed ({result.ExitCode}):\n{result.StandardError}");
        return new RenderedOverlay(overlay, result.StandardOutput, ManifestYaml.ReadDocuments(result.StandardOutput));
    }

    public IEnumerable<JsonObject> OfKind(string kind) => Objects.Where(o => Text(o["kind"]) == kind);

    public JsonObject Single(string kind, string name) =>
        Assert.Single(OfKind(kind), o => Text(o["metadata"]?["name"]) == name);

    public static string? Text(JsonNode? node) => node?.GetValue<string>();

    public static string NameOf(JsonObject o) => $"{Text(o["kind"])}/{Text(o["metadata"]?["name"])}";

    /// <summary>The containers and init containers of a Deployment's pod template.</summary>
    public static IEnumerable<JsonObject> ContainersOf(JsonObject deployment)
    {
        var pod = PodSpecOf(deployment);
        return Items(pod["containers"]).Concat(Items(pod["initContainers"]));
    }

    public static JsonObject PodSpecOf(JsonObject deployment) =>
        deployment["spec"]?["template"]?["spec"]?.AsObject() ?? throw new InvalidOperationException($"{NameOf(deployment)} has no pod template.");

    public static Dictionary<string, string> Labels(JsonNode? labels) =>
        labels?.AsObject().ToDictionary(p => p.Key, p => Text(p.Value) ?? string.Empty) ?? [];

    public static IEnumerable<JsonObject> Items(JsonNode? array) => array?.AsArray().OfType<JsonObject>() ?? [];

    /// <summary>Whether every label of <paramref name="selector"/> is on <paramref name="labels"/> with the same value.</summary>
    public static bool Selects(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(s => labels.TryGetValue(s.Key, out var value) && value == s.Value);

    public override string ToString() => Name;
}
