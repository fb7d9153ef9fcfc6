using System.Globalization;
using Kcm.Core.Routing;

namespace Kcm.Models.Sources;

/// <summary>
/// How the serving threshold is chosen (configuration section <c>Kcm:Calibration</c>): by a rule, on calibration rows
/// the large model never saw in training, for the first serving version and again after every accepted distillation
/// round (docs/kcm.md).
/// </summary>
public sealed class ThresholdCalibrationOptions
{
    public const string SectionName = "Kcm:Calibration";

    /// <summary>
    /// AccuracyTolerance: the least large-model share whose accuracy stays within <see cref="TolerancePoints"/> of the
    /// large model's alone; LargeBudget: the most samples the large model may answer (<see cref="Budget"/>);
    /// FixedEpsilon: the threshold <see cref="Epsilon"/>, whose share is only predicted.
    /// </summary>
    /// <value>Default AccuracyTolerance.</value>
    public CalibrationRule Rule { get; set; } = CalibrationRule.AccuracyTolerance;

    /// <summary>Accuracy points KCM may lose against large-only on the calibration rows (AccuracyTolerance).</summary>
    /// <value>Default 0.1; 0 to 100.</value>
    public double TolerancePoints { get; set; } = 0.1;

    /// <summary>The most share of samples sent to the large model (LargeBudget).</summary>
    /// <value>Default 0.3; 0 to 1.</value>
    public double Budget { get; set; } = 0.3;

    /// <summary>The threshold itself (FixedEpsilon): the paper's 0.98.</summary>
    /// <value>Default 0.98; strictly between 0 and 1.</value>
    public double Epsilon { get; set; } = 0.98;

    /// <summary>
    /// The per-row score the threshold is calibrated for and compared with: JudgeMaxSoftmax (the judge's max softmax,
    /// the paper's rule), JudgeAgreement (the judge's probability of the small model's answer) or Ensemble (the mean of
    /// the judge's and the small model's probabilities of the small model's answer). Published with the threshold, so
    /// every silo routes a version by its own score.
    /// </summary>
    /// <value>Default JudgeMaxSoftmax.</value>
    public ServingScore Score { get; set; } = ServingScore.JudgeMaxSoftmax;

    /// <summary>The rule's parameter as <see cref="ThresholdCalibration.Choose"/> takes it (a tolerance as a fraction).</summary>
    public double Parameter => Rule switch
    {
        CalibrationRule.AccuracyTolerance => TolerancePoints / 100.0,
        CalibrationRule.LargeBudget => Budget,
        _ => Epsilon,
    };

    /// <summary>
    /// The rule and its parameter, for logs and reasons: "tolerance 0.1 points", "budget 0.3", "fixed 0.98"; followed by
    /// the score when it is not the judge's max softmax ("tolerance 0.1 points on Ensemble").
    /// </summary>
    public string Describe()
    {
        var rule = Rule switch
        {
            CalibrationRule.AccuracyTolerance => string.Create(CultureInfo.InvariantCulture, $"tolerance {TolerancePoints} points"),
            CalibrationRule.LargeBudget => string.Create(CultureInfo.InvariantCulture, $"budget {Budget}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"fixed {Epsilon}"),
        };
        return Score == ServingScore.JudgeMaxSoftmax ? rule : $"{rule} on {Score}";
    }

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid field.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (!Enum.IsDefined(Rule))
        {
            problems.Add($"{SectionName}:{nameof(Rule)} must be AccuracyTolerance, LargeBudget or FixedEpsilon (was {Rule}).");
        }

        if (!Enum.IsDefined(Score))
        {
            problems.Add($"{SectionName}:{nameof(Score)} must be JudgeMaxSoftmax, JudgeAgreement or Ensemble (was {Score}).");
        }

        if (!(TolerancePoints is >= 0 and <= 100))
        {
            problems.Add($"{SectionName}:{nameof(TolerancePoints)} must be 0 to 100 (was {TolerancePoints}).");
        }

        if (!(Budget is >= 0 and <= 1))
        {
            problems.Add($"{SectionName}:{nameof(Budget)} must be 0 to 1 (was {Budget}).");
        }

        if (!(Epsilon is > 0 and < 1))
        {
            problems.Add($"{SectionName}:{nameof(Epsilon)} must be strictly between 0 and 1 (was {Epsilon}).");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid calibration configuration: " + string.Join(" ", problems));
        }
    }
}
