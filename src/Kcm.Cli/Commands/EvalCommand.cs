using System.CommandLine;
using Kcm.Core.Data;
using Kcm.Evaluation;
using Kcm.Evaluation.Charts;
using Spectre.Console;

namespace Kcm.Cli.Commands;

/// <summary>`kcm eval`: routing evaluation on real data; prints tables, writes the charts (PNG and SVG) and the JSON report.</summary>
internal static class EvalCommand
{
    private const string DefaultLargeModel = "models/fashion-cnn.onnx";
    private const string DefaultCharts = ".kcm/eval";

    public static Command Create()
    {
        var train = new Option<string?>("--train") { Description = "Training data: IDX images file (labels beside it) or CSV (label first). Default: Fashion-MNIST." };
        var test = new Option<string?>("--test") { Description = "Test data, same formats. Default: Fashion-MNIST test set." };
        var large = new Option<string?>("--large") { Description = $"The large model (ONNX, output logits or probabilities). Default: {DefaultLargeModel}." };
        var json = new Option<string?>("--json") { Description = "Write the full report as JSON to this file." };
        var charts = new Option<string?>("--charts")
        {
            Description = $"Folder for the charts ({RoutingCurvesChart.FileName} and {DistillationRoundsChart.FileName}, .png and .svg). Default: {DefaultCharts} under the repository.",
        };
        var quick = new Option<bool>("--quick") { Description = "A small, fast configuration (smoke run, under a minute)." };
        var targetShare = new Option<double?>("--target-share") { Description = "Large share the calibrated operating point aims at. Default 0.3." };
        var seedCount = new Option<int?>("--seed-count") { Description = "Labelled seed rows at the start of the training set. Default 10000." };
        var every = new Option<int?>("--distill-every") { Description = "Teacher records between distillation rounds. Default 4000." };
        var command = new Command("eval", "Evaluate routing: small/large/judge/KCM accuracy, router curves (APGR, CPT), calibration and the replayed distillation loop.")
        {
            train, test, large, json, charts, quick, targetShare, seedCount, every,
        };
        command.SetAction(parseResult =>
        {
            var home = Environment.GetEnvironmentVariable("KCM_HOME") is { Length: > 0 } h ? h : Directory.GetCurrentDirectory();
            var options = parseResult.GetValue(quick) ? EvaluationOptions.Quick : new EvaluationOptions();
            options = options with
            {
                TargetLargeShare = parseResult.GetValue(targetShare) ?? options.TargetLargeShare,
                SeedCount = parseResult.GetValue(seedCount) ?? options.SeedCount,
                DistillEvery = parseResult.GetValue(every) ?? options.DistillEvery,
            };
            var trainPath = parseResult.GetValue(train);
            var testPath = parseResult.GetValue(test);
            var largePath = parseResult.GetValue(large) ?? Path.Combine(home, DefaultLargeModel);
            if (!File.Exists(largePath))
            {
                Console.Error.WriteLine($"eval: the large model {largePath} is missing (give --large MODEL.onnx).");
                return 2;
            }

            try
            {
                var trainData = trainPath is null ? FashionMnist.LoadTrain() : DatasetFiles.Load(trainPath);
                var testData = testPath is null ? FashionMnist.LoadTest() : DatasetFiles.Load(testPath);
                using var largeModel = OnnxClassifier.Load(largePath);
                var sources = new DatasetSummary(
                    trainPath ?? FashionMnist.TrainImagesPath(), testPath ?? FashionMnist.TestImagesPath(), largePath, 0, 0, 0, 0, 0, 0);
                var report = new RoutingEvaluation(options, new ConsoleProgress()).Run(trainData, testData, largeModel, sources);
                var console = AnsiConsole.Console;
                EvalReportTables.Write(console, report);
                var chartFolder = Path.GetFullPath(parseResult.GetValue(charts) ?? Path.Combine(home, DefaultCharts));
                WriteCharts(console, report, chartFolder);
                if (parseResult.GetValue(json) is { } jsonPath)
                {
                    File.WriteAllText(jsonPath, EvaluationJson.Serialize(report));
                    console.MarkupLineInterpolated($"report: {jsonPath}");
                }

                return 0;
            }
            catch (Exception e) when (e is IOException or ArgumentException or InvalidDataException or UnauthorizedAccessException)
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
