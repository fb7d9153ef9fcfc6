namespace Kcm.Evaluation;

/// <summary>One model's accuracy on the test set (a fraction in [0, 1]).</summary>
public sealed record AccuracyFigure(double Accuracy);
