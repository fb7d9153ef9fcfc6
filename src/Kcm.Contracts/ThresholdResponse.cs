namespace Kcm.Contracts;

/// <summary>Answer to a threshold change.</summary>
public sealed record ThresholdResponse(string Model, double Threshold, double PreviousThreshold);
