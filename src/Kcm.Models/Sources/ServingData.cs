using Kcm.Core.Data;
using Kcm.Core.Training;

namespace Kcm.Models.Sources;

/// <summary>
/// The labelled rows the embedded pipeline learns and calibrates on, split once: the seed rows (the judge and first
/// small model train on them), the distillation guard's check rows, the calibration rows, the input scaling fitted on
/// the seed rows, and the model sizes and training budget chosen from the data (<see cref="TrainingPlan"/>).
/// </summary>
public sealed record ServingData(Dataset Seed, Dataset CheckSet, Dataset Calibration, FeatureScaling Scaling, TrainingPlan Plan, string Description)
{
    /// <summary>The smallest seed, check and calibration splits a data set must leave.</summary>
    public const int MinSeedRows = 50;

    public const int MinCheckRows = 20;

    public const int MinCalibrationRows = 20;

    /// <summary>Loads and splits the data <paramref name="options"/> names, for a large model of <paramref name="features"/> inputs and <paramref name="classes"/> classes.</summary>
    /// <exception cref="FileNotFoundException">A data file (or Fashion-MNIST) is not there.</exception>
    /// <exception cref="InvalidDataException">The data does not fit the large model, or is too small to split.</exception>
    public static ServingData Load(EmbeddedModelOptions options, int features, int classes)
    {
        ArgumentNullException.ThrowIfNull(options);
        Dataset seed, check, calibration;
        string description;
        if (options.TrainPath is null)
        {
            if (!FashionMnist.IsInstalled(options.DataFolder))
            {
                throw new FileNotFoundException($"Fashion-MNIST is not installed under {options.DataFolder}: run ./kcm setup.");
            }

            // The large model trained on every training image: only test images are rows it never saw.
            var train = FashionMnist.LoadTrain(options.DataFolder);
            seed = train.Slice(0, options.SeedSamples);
            check = train.Slice(train.Count - options.CheckSamples, options.CheckSamples);
            if (options.CalibrationPath is null)
            {
                var test = FashionMnist.LoadTest(options.DataFolder);
                calibration = test.Slice(test.Count - options.CalibrationSamples, options.CalibrationSamples);
            }
            else
            {
                calibration = LoadFile(options.CalibrationPath, options, classes);
            }

            description = "Fashion-MNIST";
        }
        else
        {
            var data = LoadFile(options.TrainPath, options, classes);
            var (calibrationCount, checkCount, before) = HeldOutRows(data.Count, options);
            calibration = options.CalibrationPath is null
                ? data.Slice(data.Count - calibrationCount, calibrationCount)
                : LoadFile(options.CalibrationPath, options, classes);
            check = data.Slice(before, checkCount);
            seed = data.Slice(0, Math.Min(options.SeedSamples, before));
            description = Path.GetFileName(options.TrainPath);
        }

        if (seed.FeatureCount != features || calibration.FeatureCount != features)
        {
            throw new InvalidDataException(
                $"The rows have {seed.FeatureCount} features (calibration {calibration.FeatureCount}); the large model {options.LargeModelPath} takes {features}.");
        }

        if (seed.Count < MinSeedRows || check.Count < MinCheckRows || calibration.Count < MinCalibrationRows)
        {
            throw new InvalidDataException(
                $"{description} is too small to serve: {seed.Count} seed, {check.Count} check and {calibration.Count} calibration rows "
                + $"(at least {MinSeedRows}, {MinCheckRows} and {MinCalibrationRows}; a data set of about 600 rows is enough).");
        }

        var plan = TrainingPlan.For(features, classes, seed.Count, options.Seed, options.TrainingThreads, options.Epochs);
        return new ServingData(seed, check, calibration, FeatureScaling.Fit(seed), plan, description);
    }

    /// <summary>
    /// How a user's file of <paramref name="rows"/> rows splits: without a calibration file its last rows (up to
    /// CalibrationSamples, at most a fifth) calibrate, the rows before them (up to CheckSamples, at most a fifth of the
    /// rest) check, and the seed rows are taken from the <c>Before</c> rows ahead of both.
    /// </summary>
    public static (int Calibration, int Check, int Before) HeldOutRows(int rows, EmbeddedModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var calibration = options.CalibrationPath is null ? Math.Min(options.CalibrationSamples, rows / 5) : 0;
        var rest = rows - calibration;
        var check = Math.Min(options.CheckSamples, rest / 5);
        return (calibration, check, rest - check);
    }

    /// <summary>The training options of the judge and first small model: the plan's, holding out a tenth of the seed rows for early stopping.</summary>
    public TrainingOptions Training => Plan.Training with { ValidationFraction = new TrainingOptions().ValidationFraction };

    private static Dataset LoadFile(string path, EmbeddedModelOptions options, int classes)
    {
        var resolved = KcmPaths.Resolve(path);
        if (!File.Exists(resolved))
        {
            throw new FileNotFoundException($"The data file {resolved} (Kcm:Embedded) does not exist.", resolved);
        }

        return DatasetFiles.Load(resolved, classes, options.LabelColumn);
    }
}
