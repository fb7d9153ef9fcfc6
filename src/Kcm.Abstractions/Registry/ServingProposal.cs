namespace Kcm.Abstractions.Registry;

/// <summary>What a publisher asks the registry to serve next (the registry numbers it).</summary>
[GenerateSerializer, Immutable, Alias("kcm.serving-proposal")]
public sealed record ServingProposal(StoredWeights Small, StoredWeights Judge, double Threshold, string Reason)
{
    /// <summary>The calibration rows' share the threshold sends to the large model (null: not calibrated, set by hand).</summary>
    [Id(4)]
    public double? CalibratedLargeShare { get; init; }

    /// <summary>The per-row score the threshold is for.</summary>
    [Id(5)]
    public RoutingScore Score { get; init; }
}
