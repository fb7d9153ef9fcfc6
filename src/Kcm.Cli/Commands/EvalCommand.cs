using System.CommandLine;
using System.Globalization;
using Kcm.Core.Data;
using Kcm.Evaluation;
using Spectre.Console;
using static Kcm.Cli.Commands.ReportCells;

namespace Kcm.Cli.Commands;

/// <summary>`kcm eval`: routing evaluation on real data; prints a table, writes the JSON report and the SVG curves.</summary>
internal static class EvalCommand
{
    private const string DefaultLargeModel = "models/fashion-cnn.onnx";
    private const string DefaultChart = "docs/img/routing-curves.svg";

    public static Command Create()
    {
        var train = new Option<string?>("--train") { Description = "Training data: IDX images file (labels beside it) or CSV (label first). Default: Fashion-MNIST." };
        var test = new Option<string?>("--test") { Description = "Test data, same formats. Default: Fashion-MNIST test set." };
        var large = new Option<string?>("--large") { Description = $"The large model (ONNX, output logits or probabilities). Default: {DefaultLargeModel}." };
        var json = new Option<string?>("--json") { Description = "Write the full report as JSON to this file." };
        var svg = new Option<string?>("--svg") { Description = $"Where to write the routing curves. Default: {DefaultChart} under the repository." };
        var quick = new Option<bool>("--quick") { Description = "A small, fast configuration (smoke run, under a minute)." };
        var targetShare = new Option<double?>("--target-share") { Description = "Large share the calibrated operating point aims at. Default 0.3." };
        var seedCount = new Option<int?>("--seed-count") { Description = "Labelled seed rows at the start of the training set. Default 10000." };
        var every = new Option<int?>("--distill-every") { Description = "Teacher records between distillation rounds. Default 4000." };
        var command = new Command("eval", "Evaluate routing: small/large/judge/KCM accuracy, router curves (APGR, CPT), calibration and the replayed distillation loop.")
        {
            train, test, large, json, svg, quick, targetShare, seedCount, every,
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
                Print(report);
                var chartPath = parseResult.GetValue(svg) ?? Path.Combine(home, DefaultChart);
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(chartPath))!);
                File.WriteAllText(chartPath, Chart(report));
                AnsiConsole.MarkupLineInterpolated($"curves: {chartPath}");
                if (parseResult.GetValue(json) is { } jsonPath)
                {
                    File.WriteAllText(jsonPath, EvaluationJson.Serialize(report));
                    AnsiConsole.MarkupLineInterpolated($"report: {jsonPath}");
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

    private static string Chart(EvaluationReport report) => CurveChart.Render(
        $"Routing curves on {report.Data.TestCount} test samples",
        report.Routers.Select(r => new ChartSeries($"{r.Key} ({Number(r.Value.Apgr)})", r.Value.Curve)).ToList(),
        report.SmallOnly.Accuracy,
        report.LargeOnly.Accuracy);

    private static void Print(EvaluationReport report)
    {
        var summary = new Table().Title("Accuracy on the test set").AddColumns("configuration", "accuracy", "large share");
        summary.AddRow("small only", Percent(report.SmallOnly.Accuracy), "0%");
        summary.AddRow("large only", Percent(report.LargeOnly.Accuracy), "100%");
        summary.AddRow("judge only (KAN)", Percent(report.JudgeOnly.Accuracy), "-");
        summary.AddRow(Markup.Escape($"KCM, {report.Kcm.Router}, epsilon {report.Kcm.Epsilon:0.###}"), Percent(report.Kcm.Accuracy), Percent(report.Kcm.LargeShare));
        summary.AddRow(
            Markup.Escape($"KCM calibrated for {report.Calibrated.TargetLargeShare:P0} (epsilon {report.Calibrated.Epsilon:0.####})"),
            Percent(report.Calibrated.Accuracy),
            Percent(report.Calibrated.LargeShare));
        AnsiConsole.Write(summary);

        var routers = new Table().Title("Routers (test set)").AddColumns("router", "APGR", "CPT(50%)", "CPT(80%)", "CPT(95%)", "validation APGR");
        foreach (var (name, metrics) in report.Routers)
        {
            var best = name == report.BestRouter ? " (best)" : string.Empty;
            routers.AddRow(name + best, Number(metrics.Apgr), Percent(metrics.Cpt50), Percent(metrics.Cpt80), Percent(metrics.Cpt95), Number(report.ValidationApgr.GetValueOrDefault(name)));
        }

        AnsiConsole.Write(routers);
        var rounds = new Table().Title(Markup.Escape($"Replayed distillation (router {report.Distillation.Router}, epsilon {report.Distillation.Epsilon}, every {report.Distillation.Every} teacher records)"))
            .AddColumns("round", "traffic", "teacher records", "accepted", "small acc.", "large share", "small-softmax share", "KCM acc.");
        foreach (var round in report.Distillation.Rounds)
        {
            rounds.AddRow(
                round.Round.ToString(CultureInfo.InvariantCulture),
                round.TrafficSeen.ToString(CultureInfo.InvariantCulture),
                round.TeacherRecords.ToString(CultureInfo.InvariantCulture),
                round.Accepted ? "yes" : "no",
                Percent(round.SmallAccuracy),
                Percent(round.LargeShare),
                Percent(round.SmallSoftmaxLargeShare),
                Percent(round.KcmAccuracy));
        }

        AnsiConsole.Write(rounds);
        AnsiConsole.MarkupLineInterpolated($"best router on the validation split: [bold]{report.BestRouter}[/]; elapsed {report.ElapsedSeconds:F0} s");
    }
}
