namespace Kcm.Evaluation;

/// <summary>
/// Everything <c>./kcm eval</c> measures; serialised with snake_case names by <see cref="EvaluationJson"/>.
/// Accuracies and shares are fractions in [0, 1]. Router keys: kan_judge, mlp_judge, small_softmax, small_correctness, random.
/// </summary>
public sealed record EvaluationReport(
    DatasetSummary Data,
    ModelSizes Models,
    AccuracyFigure SmallOnly,
    AccuracyFigure LargeOnly,
    AccuracyFigure JudgeOnly,
    OperatingPoint Kcm,
    CalibratedPoint Calibrated,
    IReadOnlyDictionary<string, RouterMetrics> Routers,
    IReadOnlyDictionary<string, double?> ValidationApgr,
    string BestRouter,
    DistillationReport Distillation,
    double ElapsedSeconds);
