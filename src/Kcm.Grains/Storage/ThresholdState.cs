namespace Kcm.Grains.Storage;

/// <summary>The judge's persisted state: its threshold and when it was set.</summary>
internal sealed record ThresholdState(double Epsilon, DateTimeOffset UpdatedUtc);
