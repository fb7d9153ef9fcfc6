using Kcm.DeePEn.Fusion;

namespace Kcm.DeePEn.Evaluation;

/// <summary>Settings of <see cref="DeePEnEvaluation"/>.</summary>
public sealed record DeePEnEvaluationOptions
{
    /// <summary>Longest passage in characters; each passage is decoded from its first token (models' context is 128 tokens).</summary>
    public int PassageCharacters { get; init; } = 300;

    /// <summary>Teacher-forced positions scored on the development addresses (for the main model and DeePEn-Adapt's weights).</summary>
    public int DevelopmentPositions { get; init; } = 500;

    /// <summary>Teacher-forced positions scored on the test addresses.</summary>
    public int TestPositions { get; init; } = 2000;

    /// <summary>Seeds the order passages are drawn in (spread over every held-out address).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>m: anchors kept per row of the sparse relative matrices (mode "sparse"); default 32.</summary>
    public int SparseAnchorsPerRow { get; init; } = SparseRelativeRepresentation.DefaultAnchorsPerRow;

    /// <summary>k: each model's most probable tokens projected in mode "sparse"; default 256.</summary>
    public int ProjectionTopTokens { get; init; } = DeePEnFusion.DefaultProjectionTopTokens;

    /// <summary>
    /// Whether mode "sparse"'s search uses the exact rows of the main model's leading tokens (computed from its
    /// embeddings); false measures the sparse rows alone. Default true.
    /// </summary>
    public bool ExactCandidateRows { get; init; } = true;

    /// <summary>Mode "gated" fuses only when the main model's top probability is below this; default 0.5.</summary>
    public float GateThreshold { get; init; } = FusionGate.DefaultThreshold;

    public InverseSearchOptions Search { get; init; } = InverseSearchOptions.Default;

    /// <summary>A smoke configuration (a few seconds).</summary>
    public static DeePEnEvaluationOptions Quick { get; } = new() { DevelopmentPositions = 40, TestPositions = 80 };

    public void Validate()
    {
        var errors = new List<string>();
        if (PassageCharacters < 16)
        {
            errors.Add($"PassageCharacters must be at least 16 (got {PassageCharacters}).");
        }

        if (DevelopmentPositions < 1)
        {
            errors.Add($"DevelopmentPositions must be positive (got {DevelopmentPositions}).");
        }

        if (TestPositions < 1)
        {
            errors.Add($"TestPositions must be positive (got {TestPositions}).");
        }

        if (SparseAnchorsPerRow < 1)
        {
            errors.Add($"SparseAnchorsPerRow must be positive (got {SparseAnchorsPerRow}).");
        }

        if (ProjectionTopTokens < 1)
        {
            errors.Add($"ProjectionTopTokens must be positive (got {ProjectionTopTokens}).");
        }

        if (!(GateThreshold is > 0f and <= 1f))
        {
            errors.Add($"GateThreshold must be in (0, 1] (got {GateThreshold}).");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors));
        }

        Search.Validate();
    }
}
