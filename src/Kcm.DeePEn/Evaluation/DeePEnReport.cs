namespace Kcm.DeePEn.Evaluation;

/// <summary>What <see cref="DeePEnEvaluation"/> measured.</summary>
/// <param name="MainModel">The best single model on the development passages (lowest bits per byte).</param>
/// <param name="Models">Per model, in the order given.</param>
/// <param name="Modes">"main" (the main model alone), "avg" (DeePEn-Avg), "adapt" (DeePEn-Adapt), "sparse" (Avg over sparse R with top-k projection) and "gated" (Avg only where the main model is unsure).</param>
/// <param name="AnchorCount">Anchors shared by every vocabulary.</param>
/// <param name="RelativeMatrixBytes">Memory of all dense relative matrices.</param>
/// <param name="TestPassages">Test passages scored.</param>
/// <param name="TestPositions">Test positions scored (main-model tokens predicted).</param>
/// <param name="DevelopmentPositions">Development positions scored.</param>
/// <param name="SkippedPassages">Passages skipped because some model's tokenisation exceeded its context.</param>
/// <param name="MillisecondsPerPositionDecoding">Mean time per position of running every model (main step plus assistant sync).</param>
/// <param name="Seconds">Wall-clock time of the whole evaluation.</param>
/// <param name="Options">The settings used.</param>
public sealed record DeePEnReport(
    string MainModel,
    IReadOnlyList<MemberFigures> Models,
    IReadOnlyDictionary<string, ModeFigures> Modes,
    int AnchorCount,
    long RelativeMatrixBytes,
    int TestPassages,
    int TestPositions,
    int DevelopmentPositions,
    int SkippedPassages,
    double MillisecondsPerPositionDecoding,
    double Seconds,
    DeePEnEvaluationOptions Options);
