using System.Buffers;
using Kcm.Core.Data;
using Kcm.Core.Models;
using Kcm.Core.Routing;
using Kcm.Models.Large;

namespace Kcm.Models.Sources;

/// <summary>
/// Chooses the serving threshold for a small model and judge: runs the judge, the small model and the large model
/// (reading the small model's probabilities as its hint, as when serving) over the calibration rows, scores each row
/// as the judge grain will (<see cref="ServingScores"/>), and applies <see cref="ThresholdCalibrationOptions"/>' rule. The rows must be ones the large model never trained on, or the
/// promised share and accuracy are optimistic. CPU-bound, on the calling thread; seconds for a few thousand rows.
/// </summary>
public sealed class ThresholdCalibrator(Func<Dataset> rows, ThresholdCalibrationOptions options, Func<ILargeModel> openLargeModel)
{
    /// <summary>Rows run through the three models at once.</summary>
    private const int BatchRows = 256;

    /// <summary>The smallest and largest threshold a serving version may carry (the registry wants it strictly inside (0, 1)).</summary>
    private const double LowestThreshold = 1e-6;

    private const double HighestThreshold = 1 - 1e-6;

    private readonly Lazy<Dataset> _rows = new(rows ?? throw new ArgumentNullException(nameof(rows)));

    /// <summary>The rule and its parameter (<see cref="ThresholdCalibrationOptions.Describe"/>).</summary>
    public string Rule => options.Describe();

    /// <summary>The per-row score the thresholds are calibrated for (published with them).</summary>
    public ServingScore Score => options.Score;

    /// <summary>The threshold and what it promises on the calibration rows.</summary>
    /// <exception cref="InvalidDataException">A model does not fit the calibration rows (features or classes).</exception>
    public CalibratedThreshold Calibrate(IClassifier small, IClassifier judge)
    {
        ArgumentNullException.ThrowIfNull(small);
        ArgumentNullException.ThrowIfNull(judge);
        var data = _rows.Value;
        using var large = openLargeModel();
        var features = data.FeatureCount;
        var classes = small.ClassCount;
        if (small.InputSize != features || judge.InputSize != features || large.InputSize != features || large.ClassCount != classes || judge.ClassCount != classes)
        {
            throw new InvalidDataException(
                $"The models do not fit the calibration rows ({features} features): small {small.InputSize} -> {classes}, judge {judge.InputSize} -> {judge.ClassCount}, "
                + $"large {large.InputSize} -> {large.ClassCount}.");
        }

        var confidences = new float[data.Count];
        var smallCorrect = new bool[data.Count];
        var largeCorrect = new bool[data.Count];
        var smallProbabilities = ArrayPool<float>.Shared.Rent(BatchRows * classes);
        var judgeProbabilities = ArrayPool<float>.Shared.Rent(BatchRows * classes);
        var largeLogits = ArrayPool<float>.Shared.Rent(BatchRows * classes);
        try
        {
            for (var start = 0; start < data.Count; start += BatchRows)
            {
                var count = Math.Min(BatchRows, data.Count - start);
                var inputs = data.Features.AsSpan(start * features, count * features);
                small.Probabilities(inputs, count, smallProbabilities);
                judge.Probabilities(inputs, count, judgeProbabilities);
                large.Run(inputs, smallProbabilities.AsSpan(0, count * classes), count, largeLogits);
                for (var i = 0; i < count; i++)
                {
                    var label = data.Labels[start + i];
                    smallCorrect[start + i] = ArgMax(smallProbabilities.AsSpan(i * classes, classes)) == label;
                    largeCorrect[start + i] = ArgMax(largeLogits.AsSpan(i * classes, classes)) == label;
                    confidences[start + i] = ServingScores.Of(
                        options.Score, judgeProbabilities.AsSpan(i * classes, classes), smallProbabilities.AsSpan(i * classes, classes));
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(smallProbabilities);
            ArrayPool<float>.Shared.Return(judgeProbabilities);
            ArrayPool<float>.Shared.Return(largeLogits);
        }

        return ThresholdCalibration.Choose(options.Rule, options.Parameter, confidences, smallCorrect, largeCorrect);
    }

    /// <summary>
    /// The threshold a serving version carries for <paramref name="calibrated"/>: the configured one for the fixed rule
    /// (exactly, not its float rounding), else the chosen epsilon kept strictly inside (0, 1).
    /// </summary>
    public double ServingThreshold(CalibratedThreshold calibrated)
    {
        ArgumentNullException.ThrowIfNull(calibrated);
        return calibrated.Rule == CalibrationRule.FixedEpsilon ? options.Epsilon : Math.Clamp(calibrated.Epsilon, LowestThreshold, HighestThreshold);
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
