using System.CommandLine;
using System.Globalization;
using Kcm.Core.Data;
using Kcm.Core.Routing;
using Kcm.Evaluation;
using Kcm.Evaluation.Charts;
using Spectre.Console;

namespace Kcm.Cli.Commands;

/// <summary>`kcm eval`: routing evaluation on real data; prints tables, writes the charts (PNG and SVG) and the JSON report.</summary>
internal static class EvalCommand
{
    private const string DefaultLargeModel = "models/fashion-cnn.onnx";
    private const string DefaultCharts = ".kcm/eval";
    private const double DefaultTestFraction = 0.2;

    public static Command Create()
    {
        var train = new Option<string?>("--train") { Description = "Training data: CSV (.csv/.csv.gz), R data (.rda) or IDX images (labels beside it). Default: Fashion-MNIST." };
        var test = new Option<string?>("--test") { Description = "Test data, same formats. Default: Fashion-MNIST's test set, or, with --train and no --test, rows held out of the training file (--test-fraction)." };
        var testFraction = new Option<double?>("--test-fraction") { Description = $"Without --test: share of each class of the training file held out as test rows, by DatasetSplit.HoldOut's fixed rule. Default {DefaultTestFraction}." };
        var calibrationFile = new Option<string?>("--calibration") { Description = "Calibration data the large model never trained on; without it a part of the test file (--calibration-fraction) calibrates and is left out of every figure." };
        var labelColumn = new Option<string?>("--label-column") { Description = "CSV: index of the label column (0 first, -1 last; default 0). R data: name of the label column (default: the one factor column)." };
        var large = new Option<string?>("--large") { Description = $"The large model (ONNX, output logits or probabilities). Default: {DefaultLargeModel}." };
        var json = new Option<string?>("--json") { Description = "Write the full report as JSON to this file." };
        var charts = new Option<string?>("--charts")
        {
            Description = $"Folder for the charts ({RoutingCurvesChart.FileName} and {DistillationRoundsChart.FileName}, .png and .svg). Default: {DefaultCharts} under the repository.",
        };
        var quick = new Option<bool>("--quick") { Description = "A small, fast configuration (smoke run): at most 6,000 traffic and 2,000 test rows, 3 epochs." };
        var seedFraction = new Option<double?>("--seed-fraction") { Description = "Share of the training file that is the labelled seed. Default 0.2." };
        var validationFraction = new Option<double?>("--validation-fraction") { Description = "Share of the seed held out for validation. Default 0.2." };
        var calibrationFraction = new Option<double?>("--calibration-fraction") { Description = "Share of the test file that calibrates when no --calibration file is given. Default 0.3." };
        var epsilon = new Option<float?>("--epsilon") { Description = "The fixed-epsilon rule's threshold (the paper's). Default 0.98." };
        var tolerance = new Option<double?>("--tolerance") { Description = "The tolerance rule: accuracy KCM may lose against large-only, in points. Default 0.1." };
        var budget = new Option<double?>("--budget") { Description = "The budget rule: most share of samples sent to the large model. Default 0.3." };
        var router = new Option<string?>("--router") { Description = $"Serving router: one of {string.Join(", ", RouterKinds.All.Select(RouterKinds.Name))}. Default: the judge with the best validation APGR." };
        var every = new Option<int?>("--distill-every") { Description = "Teacher records between distillation rounds. Default: a twelfth of the traffic, at least 50." };
        var command = new Command("eval", "Evaluate routing: small/large/judge/KCM accuracy, router curves (APGR, CPT), calibration (promised vs delivered), hints and the replayed distillation loop.")
        {
            train, test, testFraction, calibrationFile, labelColumn, large, json, charts, quick, seedFraction, validationFraction, calibrationFraction, epsilon, tolerance, budget, router, every,
        };
        command.SetAction(parseResult =>
        {
            var home = Environment.GetEnvironmentVariable("KCM_HOME") is { Length: > 0 } h ? h : Directory.GetCurrentDirectory();
            var options = parseResult.GetValue(quick) ? EvaluationOptions.Quick : new EvaluationOptions();
            RouterKind? routerKind = null;
            if (parseResult.GetValue(router) is { } routerName)
            {
                if (!RouterKinds.TryParse(routerName, out var parsed))
                {
                    Console.Error.WriteLine($"eval: unknown router '{routerName}' (one of {string.Join(", ", RouterKinds.All.Select(RouterKinds.Name))}).");
                    return 2;
                }

                routerKind = parsed;
            }

            options = options with
            {
                SeedFraction = parseResult.GetValue(seedFraction) ?? options.SeedFraction,
                ValidationFraction = parseResult.GetValue(validationFraction) ?? options.ValidationFraction,
                CalibrationFraction = parseResult.GetValue(calibrationFraction) ?? options.CalibrationFraction,
                Epsilon = parseResult.GetValue(epsilon) ?? options.Epsilon,
                AccuracyTolerance = parseResult.GetValue(tolerance) is { } points ? points / 100.0 : options.AccuracyTolerance,
                LargeBudget = parseResult.GetValue(budget) ?? options.LargeBudget,
                DistillEvery = parseResult.GetValue(every) ?? options.DistillEvery,
                Router = routerKind ?? options.Router,
            };
            var trainPath = parseResult.GetValue(train);
            var testPath = parseResult.GetValue(test);
            var calibrationPath = parseResult.GetValue(calibrationFile);
            var label = parseResult.GetValue(labelColumn);
            var largePath = parseResult.GetValue(large) ?? Path.Combine(home, DefaultLargeModel);
            if (!File.Exists(largePath))
            {
                Console.Error.WriteLine($"eval: the large model {largePath} is missing (give --large MODEL.onnx).");
                return 2;
            }

            try
            {
                options.Validate();
                Dataset trainData, testData;
                string testName;
                if (trainPath is null)
                {
                    trainData = FashionMnist.LoadTrain();
                    testData = testPath is null ? FashionMnist.LoadTest() : DatasetFiles.Load(testPath, null, label);
                    testName = testPath ?? FashionMnist.TestImagesPath();
                }
                else if (testPath is null)
                {
                    var fraction = parseResult.GetValue(testFraction) ?? DefaultTestFraction;
                    (trainData, testData) = DatasetSplit.HoldOut(DatasetFiles.Load(trainPath, null, label), fraction);
                    testName = string.Create(CultureInfo.InvariantCulture, $"{trainPath} (held out: {fraction:0.###} of each class)");
                }
                else
                {
                    trainData = DatasetFiles.Load(trainPath, null, label);
                    testData = DatasetFiles.Load(testPath, null, label);
                    testName = testPath;
                }

                var calibrationData = calibrationPath is null ? null : DatasetFiles.Load(calibrationPath, null, label);
                var largeModel = LargeModelFile.Load(largePath);
                using var largeOwner = largeModel as IDisposable;
                var sources = new DatasetSummary(trainPath ?? FashionMnist.TrainImagesPath(), testName, calibrationPath, largePath);
                var report = new RoutingEvaluation(options, new ConsoleProgress()).Run(trainData, testData, calibrationData, largeModel, sources);
                var console = AnsiConsole.Console;
                EvalReportTables.Write(console, report);
                WriteCharts(console, report, Path.GetFullPath(parseResult.GetValue(charts) ?? Path.Combine(home, DefaultCharts)));
                if (parseResult.GetValue(json) is { } jsonPath)
                {
                    File.WriteAllText(jsonPath, EvaluationJson.Serialize(report));
                    console.MarkupLineInterpolated($"report: {jsonPath}");
                }

                return 0;
            }
            catch (Exception e) when (e is IOException or ArgumentException or InvalidDataException or UnauthorizedAccessException or DataFormatException)
            {
                Console.Error.WriteLine($"eval: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static void WriteCharts(IAnsiConsole console, EvaluationReport report, string folder)
    {
        using (var curves = RoutingCurvesChart.Create(report))
        {
            console.MarkupLineInterpolated($"routing curves: {string.Join(", ", ChartFiles.Save(curves, folder, RoutingCurvesChart.FileName))}");
        }

        using var rounds = DistillationRoundsChart.Create(report);
        console.MarkupLineInterpolated($"distillation rounds: {string.Join(", ", ChartFiles.Save(rounds, folder, DistillationRoundsChart.FileName))}");
    }
}
