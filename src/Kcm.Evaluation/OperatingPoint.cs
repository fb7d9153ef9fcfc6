namespace Kcm.Evaluation;

/// <summary>KCM on the test set at one threshold: samples whose router score is below epsilon go to the large model.</summary>
public sealed record OperatingPoint(string Router, float Epsilon, double Accuracy, double LargeShare);
