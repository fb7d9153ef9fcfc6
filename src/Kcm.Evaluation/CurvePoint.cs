namespace Kcm.Evaluation;

/// <summary>One point of a routing curve: the share of samples sent to the large model and the accuracy that gives.</summary>
public sealed record CurvePoint(double Share, double Accuracy);
