using Kcm.DeePEn.Ensemble;

namespace Kcm.DeePEn.Evaluation;

/// <summary>What <see cref="EnsembleEvaluation"/> measured (serialised by <see cref="EnsembleEvaluationReportJson"/>).</summary>
/// <param name="MainModel">The best single model by development next-word accuracy.</param>
/// <param name="Models">Per model (by name, in manifest order): each decoding alone.</param>
/// <param name="Modes">Per mode ("main", "avg", "adapt", "sparse", "gated"), through <see cref="EnsemblePool.CreateDecoder"/>.</param>
/// <param name="Perplexity">The main model's perplexity without and with fusion (mode avg).</param>
/// <param name="Manifest">The ensemble manifest with the measured main model and adaptive weights.</param>
/// <param name="Prompts">Test prompts scored.</param>
/// <param name="DevelopmentPrompts">Development prompts scored.</param>
/// <param name="SkippedPrompts">Prompts drawn but skipped because some model's context could not hold them plus the token cap.</param>
/// <param name="AnchorCount">Anchors shared by every vocabulary.</param>
/// <param name="Seconds">Wall time of the whole evaluation.</param>
/// <param name="WordDefinition">How a word is cut and compared.</param>
/// <param name="Options">The settings used.</param>
public sealed record EnsembleEvaluationReport(
    string MainModel,
    IReadOnlyDictionary<string, EnsembleModelFigures> Models,
    IReadOnlyDictionary<string, EnsembleModeFigures> Modes,
    FusionPerplexityFigures Perplexity,
    EnsembleManifest Manifest,
    int Prompts,
    int DevelopmentPrompts,
    int SkippedPrompts,
    int AnchorCount,
    double Seconds,
    string WordDefinition,
    EnsembleEvaluationOptions Options);
