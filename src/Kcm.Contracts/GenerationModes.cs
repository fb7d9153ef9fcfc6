namespace Kcm.Contracts;

/// <summary>The wire names of the ensemble modes of <see cref="GenerateRequest.Mode"/>.</summary>
public static class GenerationModes
{
    /// <summary>The main model alone.</summary>
    public const string Main = "main";

    /// <summary>DeePEn-Avg: every member weighted equally (the default).</summary>
    public const string Avg = "avg";

    /// <summary>DeePEn-Adapt: members weighted by their development scores (only when the ensemble's manifest has them).</summary>
    public const string Adapt = "adapt";

    /// <summary>DeePEn-Avg over sparse relative matrices.</summary>
    public const string Sparse = "sparse";

    /// <summary>DeePEn-Avg only where the main model is unsure.</summary>
    public const string Gated = "gated";

    public static IReadOnlyList<string> All { get; } = [Main, Avg, Adapt, Sparse, Gated];
}
