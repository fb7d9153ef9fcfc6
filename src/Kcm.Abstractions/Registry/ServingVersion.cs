namespace Kcm.Abstractions.Registry;

/// <summary>One serving version: what every silo loads and serves as one.</summary>
/// <param name="Version">Monotonic per model, from 1.</param>
/// <param name="Small">The small model's stored weights.</param>
/// <param name="Judge">The judge's stored weights.</param>
/// <param name="Threshold">The routing score (<see cref="Score"/>) at or above which the small model answers.</param>
/// <param name="CreatedUtc">When it was published.</param>
/// <param name="Reason">Why it was published (first start, distillation round, rollback, threshold), for people.</param>
[GenerateSerializer, Immutable, Alias("kcm.serving-version")]
public sealed record ServingVersion(
    int Version, StoredWeights Small, StoredWeights Judge, double Threshold, DateTimeOffset CreatedUtc, string Reason)
{
    /// <summary>
    /// The share of the calibration rows <see cref="Threshold"/> sends to the large model, when the threshold was
    /// calibrated for this small model and judge; null when it was set by hand (then distillation rounds keep it).
    /// </summary>
    [Id(6)]
    public double? CalibratedLargeShare { get; init; }

    /// <summary>The per-row score <see cref="Threshold"/> is compared with (versions from before it was recorded: the judge's max softmax).</summary>
    [Id(7)]
    public RoutingScore Score { get; init; }
}
