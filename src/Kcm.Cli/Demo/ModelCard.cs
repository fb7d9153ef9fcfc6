using System.Text.Json;

namespace Kcm.Cli.Demo;

/// <summary>The figures of a large model's card (e.g. models/fashion-cnn.card.json) the demo checks against.</summary>
internal sealed record ModelCard(string Path, double TestAccuracy, int? TestCorrect, int NearTies)
{
    /// <summary>Reads the card next to <paramref name="modelPath"/> (same name, <c>.card.json</c>); read at run time because the model may be retrained.</summary>
    public static ModelCard ReadFor(string modelPath)
    {
        var path = System.IO.Path.ChangeExtension(modelPath, ".card.json");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The model card {path} is missing: it should ship next to the model.", path);
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        if (!root.TryGetProperty("test_accuracy", out var accuracy) || accuracy.ValueKind != JsonValueKind.Number)
        {
            throw new InvalidDataException($"The model card {path} has no numeric test_accuracy.");
        }

        int? correct = root.TryGetProperty("test_correct", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : null;
        var nearTies = root.TryGetProperty("test_near_ties", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetInt32() : 0;
        return new ModelCard(path, accuracy.GetDouble(), correct, nearTies);
    }
}
