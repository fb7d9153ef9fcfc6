namespace Kcm.DeePEn.Ensemble;

/// <summary>How an ensemble chooses each token.</summary>
public enum EnsembleMode
{
    /// <summary>The main model alone (its greedy argmax; the assistants are not run).</summary>
    Main,

    /// <summary>DeePEn-Avg: dense relative matrices, w_i = 1/N.</summary>
    Avg,

    /// <summary>DeePEn-Adapt: dense relative matrices, w_i from each model's development score.</summary>
    Adapt,

    /// <summary>DeePEn-Avg over sparse relative matrices (top-m anchors per row) and top-k token projections.</summary>
    Sparse,

    /// <summary>DeePEn-Avg only at steps where the main model's top probability is below the gate threshold.</summary>
    Gated,
}

/// <summary>The wire names of <see cref="EnsembleMode"/> ("main", "avg", "adapt", "sparse", "gated").</summary>
public static class EnsembleModes
{
    public static IReadOnlyList<EnsembleMode> All { get; } = Enum.GetValues<EnsembleMode>();

    public static string Name(this EnsembleMode mode) => mode switch
    {
        EnsembleMode.Main => "main",
        EnsembleMode.Avg => "avg",
        EnsembleMode.Adapt => "adapt",
        EnsembleMode.Sparse => "sparse",
        EnsembleMode.Gated => "gated",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown ensemble mode."),
    };

    public static bool TryParse(string? name, out EnsembleMode mode)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.Name(), name, StringComparison.OrdinalIgnoreCase))
            {
                mode = candidate;
                return true;
            }
        }

        mode = default;
        return false;
    }
}
