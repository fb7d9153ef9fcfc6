using Kcm.Core.Routing;

namespace Kcm.Evaluation;

/// <summary>
/// Splits, rules and budgets of one evaluation run. The training file is shuffled (stratified, seeded) and cut into
/// the labelled seed (<see cref="SeedFraction"/>; its last <see cref="ValidationFraction"/> is the validation split for
/// early stopping and choosing a judge) and the unlabelled traffic (the rest). Thresholds are calibrated on rows the
/// large model never saw: a calibration file, or <see cref="CalibrationFraction"/> of the test file, which is then
/// left out of every reported figure. Each part has a minimum size; fractions give way to it.
/// </summary>
public sealed record EvaluationOptions
{
    /// <value>Share of the training file that is the labelled seed (training + validation). Default 0.2.</value>
    public double SeedFraction { get; init; } = 0.2;

    /// <value>Share of the seed held out for validation. Default 0.2.</value>
    public double ValidationFraction { get; init; } = 0.2;

    /// <value>Share of the test file used for calibration when no calibration file is given. Default 0.3.</value>
    public double CalibrationFraction { get; init; } = 0.3;

    /// <value>Traffic rows to replay at most; null = all. Default null.</value>
    public int? TrafficCount { get; init; }

    /// <value>Test-file rows to use at most (calibration included); null = all. Default null.</value>
    public int? TestCount { get; init; }

    /// <value>Teacher records between distillation rounds; null = a twelfth of the traffic, at least 50. Default null.</value>
    public int? DistillEvery { get; init; }

    /// <value>Validation accuracy a distilled candidate may lose and still replace the small model. Default 0.003 (0.3 points).</value>
    public double DistillTolerance { get; init; } = 0.003;

    /// <value>Whether each round also trains on the labelled seed rows (label term only), anchoring the small model. Default true.</value>
    public bool DistillWithSeedLabels { get; init; } = true;

    /// <value>Whether each round also distils the serving judge (when it is a K-class KAN) on the same records. Default true.</value>
    public bool DistillJudge { get; init; } = true;

    /// <value>The paper's fixed threshold epsilon, one of the three calibration rules and the replay's gate. Default 0.98.</value>
    public float Epsilon { get; init; } = ThresholdPolicy.DefaultEpsilon;

    /// <value>Accuracy KCM may lose against large-only under the tolerance rule (a fraction). Default 0.001 (0.1 points).</value>
    public double AccuracyTolerance { get; init; } = ThresholdCalibration.DefaultAccuracyTolerance;

    /// <value>Most large-model share under the budget rule. Default 0.3.</value>
    public double LargeBudget { get; init; } = 0.3;

    /// <value>The serving router for the calibrated points and the replay; null = the judge with the best validation APGR. Default null.</value>
    public RouterKind? Router { get; init; }

    /// <value>Most epochs for the judges and the small model on the seed; null = chosen from the data (<see cref="Kcm.Core.Training.TrainingPlan"/>). Default null.</value>
    public int? Epochs { get; init; }

    /// <value>Seeds the shuffles, every trainer and the random router. Default 0.</value>
    public int Seed { get; init; }

    /// <value>Threads for training and scoring. Default the machine's cores.</value>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>A small configuration that runs in seconds, for smoke tests.</summary>
    public static EvaluationOptions Quick { get; } = new()
    {
        TrafficCount = 6_000,
        TestCount = 2_000,
        Epochs = 3,
    };

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid field.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        CheckFraction(errors, nameof(SeedFraction), SeedFraction);
        CheckFraction(errors, nameof(ValidationFraction), ValidationFraction);
        CheckFraction(errors, nameof(CalibrationFraction), CalibrationFraction);
        if (TrafficCount is < 0)
        {
            errors.Add($"{nameof(TrafficCount)} must not be negative (was {TrafficCount}).");
        }

        if (TestCount is < 1)
        {
            errors.Add($"{nameof(TestCount)} must be at least 1 (was {TestCount}).");
        }

        if (DistillEvery is < 1)
        {
            errors.Add($"{nameof(DistillEvery)} must be at least 1 (was {DistillEvery}).");
        }

        if (!(DistillTolerance >= 0.0 && DistillTolerance <= 1.0))
        {
            errors.Add($"{nameof(DistillTolerance)} must be in [0, 1] (was {DistillTolerance}).");
        }

        if (!(Epsilon >= 0f && Epsilon <= 1f))
        {
            errors.Add($"{nameof(Epsilon)} must be in [0, 1] (was {Epsilon}).");
        }

        if (!(AccuracyTolerance >= 0.0 && AccuracyTolerance <= 1.0))
        {
            errors.Add($"{nameof(AccuracyTolerance)} must be in [0, 1] (was {AccuracyTolerance}).");
        }

        if (!(LargeBudget >= 0.0 && LargeBudget <= 1.0))
        {
            errors.Add($"{nameof(LargeBudget)} must be in [0, 1] (was {LargeBudget}).");
        }

        if (Epochs is < 1)
        {
            errors.Add($"{nameof(Epochs)} must be at least 1 (was {Epochs}).");
        }

        if (Threads < 1)
        {
            errors.Add($"{nameof(Threads)} must be at least 1 (was {Threads}).");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid evaluation options: " + string.Join(" ", errors));
        }
    }

    private static void CheckFraction(List<string> errors, string name, double value)
    {
        if (!(value > 0.0 && value < 1.0))
        {
            errors.Add($"{name} must be in (0, 1) (was {value}).");
        }
    }
}
