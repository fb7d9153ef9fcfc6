namespace Kcm.Contracts;

/// <summary>Body of <c>PUT /v1/models/{model}/threshold</c>.</summary>
/// <param name="Epsilon">New judge confidence threshold, strictly between 0 and 1.</param>
public sealed record ThresholdRequest(double Epsilon);
