using Kcm.Core.Routing;

namespace Kcm.Evaluation;

/// <summary>
/// Sizes and training budgets of one evaluation run. The training file is split in order: the first
/// <see cref="SeedCount"/> rows are the labelled seed (its last <see cref="ValidationCount"/> rows are the validation
/// split used for early stopping, calibration and choosing the best router); the rest streams as unlabelled traffic.
/// </summary>
public sealed record EvaluationOptions
{
    /// <value>Labelled seed rows at the start of the training set. Default 10,000.</value>
    public int SeedCount { get; init; } = 10_000;

    /// <value>Rows at the end of the seed held out for validation. Default 2,000.</value>
    public int ValidationCount { get; init; } = 2_000;

    /// <value>Traffic rows after the seed to replay; null = all. Default null.</value>
    public int? TrafficCount { get; init; }

    /// <value>Test rows to use; null = all. Default null.</value>
    public int? TestCount { get; init; }

    /// <value>Teacher records between distillation rounds. Default 4,000.</value>
    public int DistillEvery { get; init; } = 4_000;

    /// <value>Validation accuracy a distilled candidate may lose and still replace the small model. Default 0.003 (0.3 points).</value>
    public double DistillTolerance { get; init; } = 0.003;

    /// <value>Whether each round also trains on the labelled seed rows (label term only), anchoring the small model. Default true.</value>
    public bool DistillWithSeedLabels { get; init; } = true;

    /// <value>Whether each round also distils the KAN judge on the same records (same guard), so the serving judge's
    /// confidence follows the large model and the large share at fixed epsilon can drop. Default true.</value>
    public bool DistillJudge { get; init; } = true;

    /// <value>Fixed threshold epsilon for the KCM figures and the replay. Default 0.98.</value>
    public float Epsilon { get; init; } = ThresholdPolicy.DefaultEpsilon;

    /// <value>Large share the calibrated operating point aims at. Default 0.3.</value>
    public double TargetLargeShare { get; init; } = 0.3;

    /// <value>The serving router for the KCM, calibrated and replay figures. Default KAN judge.</value>
    public RouterKind Router { get; init; } = RouterKind.KanJudge;

    /// <value>Most epochs for the judges and the small model on the seed. Default 12.</value>
    public int Epochs { get; init; } = 12;

    /// <value>Seeds every trainer and the random router. Default 0.</value>
    public int Seed { get; init; }

    /// <value>Threads for training and scoring. Default the machine's cores.</value>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>A small configuration that runs in seconds, for smoke tests.</summary>
    public static EvaluationOptions Quick { get; } = new()
    {
        SeedCount = 3_000,
        ValidationCount = 600,
        TrafficCount = 6_000,
        TestCount = 2_000,
        DistillEvery = 1_000,
        Epochs = 3,
    };

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid field.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (ValidationCount < 1 || SeedCount <= ValidationCount)
        {
            errors.Add($"{nameof(SeedCount)} ({SeedCount}) must exceed {nameof(ValidationCount)} ({ValidationCount}), which must be at least 1.");
        }

        if (TrafficCount is < 0)
        {
            errors.Add($"{nameof(TrafficCount)} must not be negative (was {TrafficCount}).");
        }

        if (TestCount is < 1)
        {
            errors.Add($"{nameof(TestCount)} must be at least 1 (was {TestCount}).");
        }

        if (DistillEvery < 1)
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

        if (!(TargetLargeShare >= 0.0 && TargetLargeShare <= 1.0))
        {
            errors.Add($"{nameof(TargetLargeShare)} must be in [0, 1] (was {TargetLargeShare}).");
        }

        if (Epochs < 1)
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
}
