namespace Kcm.Evaluation;

/// <summary>
/// Everything <c>./kcm eval</c> measures; serialised with snake_case names by <see cref="EvaluationJson"/>.
/// Accuracies and shares are fractions in [0, 1] on the reported test rows (calibration rows excluded). Router keys are
/// the routers' configuration names in snake_case (kan_judge, mlp_judge, kan_logit_judge, ..., random); calibrated
/// keys are fixed_epsilon, accuracy_tolerance and large_budget.
/// </summary>
public sealed record EvaluationReport(
    DatasetSummary Data,
    ModelSizes Models,
    AccuracyFigure SmallOnly,
    AccuracyFigure LargeOnly,
    AccuracyFigure JudgeOnly,
    IReadOnlyDictionary<string, CalibratedPoint> Calibrated,
    HintReport? Hints,
    IReadOnlyDictionary<string, RouterMetrics> Routers,
    IReadOnlyDictionary<string, double?> ValidationApgr,
    string BestRouter,
    string ServingRouter,
    DistillationReport Distillation,
    double ElapsedSeconds);
