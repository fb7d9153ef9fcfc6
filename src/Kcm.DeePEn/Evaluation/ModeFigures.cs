namespace Kcm.DeePEn.Evaluation;

/// <summary>One decoding mode's figures on the test positions.</summary>
/// <param name="Accuracy">Next-token accuracy in the main model's vocabulary (teacher forcing).</param>
/// <param name="ChangedShare">Share of positions where the mode's token differs from the main model's own argmax.</param>
/// <param name="MillisecondsPerStep">Mean time of the mode's own work per position (fusion and inverse search; model runs are shared and not included).</param>
public sealed record ModeFigures(double Accuracy, double ChangedShare, double MillisecondsPerStep);
