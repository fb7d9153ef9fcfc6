using Kcm.Core.Data;

namespace Kcm.Evaluation;

/// <summary>
/// The disjoint parts of one evaluation, in raw features (what the large model reads): seed training rows, validation,
/// unlabelled traffic (from the training file), calibration and the reported test rows (from the test file, or a
/// calibration file). Sizes follow the options' fractions, raised to the minimums: seed training rows
/// max(100, 10 per class), validation max(50, 3 per class), calibration 50 and test 50.
/// </summary>
public sealed record EvaluationSplits(Dataset SeedTrain, Dataset Validation, Dataset Traffic, Dataset Calibration, Dataset Test)
{
    public const int MinCalibrationRows = 50;
    public const int MinTestRows = 50;

    public static int MinSeedTrainRows(int classes) => Math.Max(100, 10 * classes);

    public static int MinValidationRows(int classes) => Math.Max(50, 3 * classes);

    /// <summary>Cuts the files into the parts; throws <see cref="ArgumentException"/> when a file is too small for the minimums.</summary>
    public static EvaluationSplits Create(Dataset train, Dataset test, Dataset? calibration, int classes, EvaluationOptions options)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(options);
        var minSeed = MinSeedTrainRows(classes);
        var minValidation = MinValidationRows(classes);
        var errors = new List<string>();
        if (train.Count < minSeed + minValidation)
        {
            errors.Add($"the training file has {train.Count} rows; the seed needs at least {minSeed} training and {minValidation} validation rows for {classes} classes");
        }

        var testRows = Math.Min(options.TestCount ?? int.MaxValue, test.Count);
        var calibrationRows = calibration is null ? Math.Max((int)Math.Round(options.CalibrationFraction * testRows), MinCalibrationRows) : 0;
        if (calibration is null && testRows - calibrationRows < MinTestRows)
        {
            errors.Add($"the test file has {testRows} rows; without a calibration file it needs at least {MinCalibrationRows} calibration and {MinTestRows} test rows");
        }

        if (calibration is not null && calibration.Count < MinCalibrationRows)
        {
            errors.Add($"the calibration file has {calibration.Count} rows, fewer than {MinCalibrationRows}");
        }

        if (calibration is not null && testRows < MinTestRows)
        {
            errors.Add($"the test file has {testRows} rows, fewer than {MinTestRows}");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Cannot split the data: " + string.Join("; ", errors) + ".");
        }

        var seedRows = Math.Max((int)Math.Round(options.SeedFraction * train.Count), minSeed + minValidation);
        var validationRows = Math.Max((int)Math.Round(options.ValidationFraction * seedRows), minValidation);
        var seedTrainRows = seedRows - validationRows;
        if (seedTrainRows < minSeed)
        {
            seedTrainRows = minSeed;
            validationRows = seedRows - minSeed;
        }

        var trafficRows = Math.Min(options.TrafficCount ?? int.MaxValue, train.Count - seedRows);
        var shuffledTrain = DatasetSplit.StratifiedShuffle(train, options.Seed);
        var shuffledTest = DatasetSplit.StratifiedShuffle(test, options.Seed + 1).Slice(0, testRows);
        return new EvaluationSplits(
            shuffledTrain.Slice(0, seedTrainRows),
            shuffledTrain.Slice(seedTrainRows, validationRows),
            shuffledTrain.Slice(seedRows, trafficRows),
            calibration ?? shuffledTest.Slice(0, calibrationRows),
            shuffledTest.Slice(calibrationRows, testRows - calibrationRows));
    }
}
