namespace Kcm.DeePEn.Evaluation;

/// <summary>One decoding mode's figures on the test positions.</summary>
/// <param name="Accuracy">Next-token accuracy in the main model's vocabulary (teacher forcing).</param>
/// <param name="ChangedShare">Share of positions where the mode's token differs from the main model's own argmax.</param>
/// <param name="MillisecondsPerStep">Mean time of the mode's own work per position (gate, fusion and inverse search; model runs are shared and not included).</param>
/// <param name="FusedStepShare">Share of positions where the mode fused (0 for the main model alone, 1 for ungated DeePEn).</param>
/// <param name="TokensPerSecond">
/// Tokens per second of one stream decoding this way, from the measured parts: 1000 / (main-model ms per position +
/// fused share x assistant-sync ms per position + the mode's ms per step). For the gated mode this assumes the
/// assistants are synced only at fused steps and that a catch-up costs what the step-by-step sync did.
/// </param>
/// <param name="RelativeMatrixBytes">Bytes of the relative matrices the mode uses (0 for the main model alone).</param>
/// <param name="AgreementWithAverage">Share of positions where the mode chose DeePEn-Avg's (dense, ungated) token.</param>
public sealed record ModeFigures(
    double Accuracy,
    double ChangedShare,
    double MillisecondsPerStep,
    double FusedStepShare,
    double TokensPerSecond,
    long RelativeMatrixBytes,
    double AgreementWithAverage)
{
    /// <summary>The same as <see cref="Accuracy"/>, under the name issue 6's JSON asks for.</summary>
    public double NextTokenAccuracy => Accuracy;
}
