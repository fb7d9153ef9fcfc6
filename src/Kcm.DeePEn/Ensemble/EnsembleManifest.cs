using System.Text.Json;
using System.Text.Json.Serialization;
using Kcm.DeePEn.Fusion;

namespace Kcm.DeePEn.Ensemble;

/// <summary>
/// What an ensemble is made of and its tuned settings, as a JSON file beside the model folders (models/sotu-ensemble.json):
/// the member folders (relative to the manifest's folder), the main model, DeePEn-Adapt's weights, the sparse and
/// gating settings. <c>./kcm eval-ensemble</c> measures the main model and the weights; the silo's ensemble pool loads it.
/// </summary>
public sealed record EnsembleManifest
{
    /// <summary>The ensemble's name: the {model} of POST /v1/models/{model}/generate.</summary>
    public required string Name { get; init; }

    /// <summary>Member model folders, relative to the manifest's folder (or absolute).</summary>
    public required IReadOnlyList<string> Members { get; init; }

    /// <summary>The member whose vocabulary the ensemble decodes in (its folder name, as in <see cref="Members"/>).</summary>
    public required string Main { get; init; }

    /// <summary>DeePEn-Adapt's w_i in member order; null leaves mode "adapt" unavailable.</summary>
    public IReadOnlyList<float>? AdaptiveWeights { get; init; }

    /// <summary>m of mode "sparse".</summary>
    public int SparseAnchorsPerRow { get; init; } = SparseRelativeRepresentation.DefaultAnchorsPerRow;

    /// <summary>k of mode "sparse" (each member's most probable tokens projected).</summary>
    public int ProjectionTopTokens { get; init; } = DeePEnFusion.DefaultProjectionTopTokens;

    /// <summary>Mode "gated" fuses only when the main model's top probability is below this.</summary>
    public float GateThreshold { get; init; } = FusionGate.DefaultThreshold;

    /// <summary>The inverse search (T steps of AdamW at learning rate eta).</summary>
    public InverseSearchOptions Search { get; init; } = InverseSearchOptions.Default;

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>Each member's folder: <see cref="Members"/> are relative to the folder of the manifest file at <paramref name="manifestPath"/>.</summary>
    public IEnumerable<string> MemberFolders(string manifestPath)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        return Members.Select(member => Path.Combine(folder, member));
    }

    /// <summary>The index of <see cref="Main"/> in <see cref="Members"/>.</summary>
    [JsonIgnore]
    public int MainIndex => Members.ToList().FindIndex(m => string.Equals(m, Main, StringComparison.Ordinal));

    /// <summary>Reads and validates a manifest; a bad file is an <see cref="InvalidDataException"/> naming it.</summary>
    public static EnsembleManifest Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        EnsembleManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<EnsembleManifest>(File.ReadAllBytes(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid ensemble manifest: {e.Message}", e);
        }

        if (manifest is null)
        {
            throw new InvalidDataException($"{path}: the ensemble manifest is empty.");
        }

        var errors = manifest.Errors();
        return errors.Count == 0 ? manifest : throw new InvalidDataException($"{path}: {string.Join(" ", errors)}");
    }

    public void Write(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var errors = Errors();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", errors));
        }

        File.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions) + "\n");
    }

    /// <summary>Every problem with the manifest's values (empty when valid).</summary>
    public IReadOnlyList<string> Errors()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Name) || Name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            errors.Add($"name must be letters, digits, '-', '_' or '.' (got '{Name}').");
        }

        if (Members is not { Count: >= 2 })
        {
            errors.Add($"members must list at least two model folders (got {Members?.Count ?? 0}).");
        }
        else if (MainIndex < 0)
        {
            errors.Add($"main '{Main}' is not one of the members.");
        }

        if (AdaptiveWeights is { } weights && (weights.Count != (Members?.Count ?? 0) || weights.Any(w => !float.IsFinite(w) || w < 0) || weights.Sum() <= 0))
        {
            errors.Add("adaptive_weights must hold one finite, non-negative weight per member, not all zero.");
        }

        if (SparseAnchorsPerRow < 1)
        {
            errors.Add($"sparse_anchors_per_row must be positive (got {SparseAnchorsPerRow}).");
        }

        if (ProjectionTopTokens < 1)
        {
            errors.Add($"projection_top_tokens must be positive (got {ProjectionTopTokens}).");
        }

        if (!(GateThreshold is > 0f and <= 1f))
        {
            errors.Add($"gate_threshold must be in (0, 1] (got {GateThreshold}).");
        }

        try
        {
            Search.Validate();
        }
        catch (ArgumentException e)
        {
            errors.Add(e.Message);
        }

        return errors;
    }
}
