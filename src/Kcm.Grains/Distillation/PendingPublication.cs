using Kcm.Abstractions.Registry;

namespace Kcm.Grains.Distillation;

/// <summary>
/// An accepted round's candidate, recorded in the same state write as the round's record ids and published after it:
/// if the grain's silo dies between the two, the next round publishes it first (unless the registry already serves it).
/// </summary>
[GenerateSerializer, Alias("kcm.distillation-pending-publication")]
public sealed class PendingPublication
{
    /// <summary>The round that made the candidate.</summary>
    [Id(0)]
    public long Round { get; set; }

    /// <summary>The small model to serve (the candidate, or the incumbent when only the judge was accepted).</summary>
    [Id(1)]
    public StoredWeights Small { get; set; } = null!;

    /// <summary>The judge to serve (the candidate, or the incumbent when only the small model was accepted).</summary>
    [Id(2)]
    public StoredWeights Judge { get; set; } = null!;

    /// <summary>The threshold calibrated for these two, or null when the serving threshold was set by hand (it is kept).</summary>
    [Id(3)]
    public double? Threshold { get; set; }

    /// <summary>The calibration rows' share <see cref="Threshold"/> sends to the large model.</summary>
    [Id(4)]
    public double? CalibratedLargeShare { get; set; }

    /// <summary>The per-row score <see cref="Threshold"/> is for.</summary>
    [Id(5)]
    public RoutingScore Score { get; set; }
}
