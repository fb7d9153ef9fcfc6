using System.Globalization;
using Kcm.Evaluation;
using Spectre.Console;
using static Kcm.Cli.Commands.ReportCells;

namespace Kcm.Cli.Commands;

/// <summary>The tables `kcm eval` prints: data and sizes, accuracy, calibrated points promised against delivered, hints, the routers' metrics, the replayed distillation rounds.</summary>
internal static class EvalReportTables
{
    public static void Write(IAnsiConsole console, EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(report);
        var data = report.Data;
        console.MarkupLineInterpolated(
            $"data: {data.Features} features, {data.Classes} classes; seed {data.SeedTrain} + validation {data.Validation}, traffic {data.Traffic}, calibration {data.Calibration}, test {data.TestCount}; inputs {data.Scaling} ({data.ConstantFeatures} constant)");
        console.MarkupLineInterpolated(
            $"small model {report.Models.SmallArchitecture} ({report.Models.SmallParameters} parameters); at most {report.Models.MaxEpochs} epochs of batch {report.Models.BatchSize}, patience {report.Models.Patience}");
        var summary = new Table().Title("Accuracy on the test rows").AddColumns("configuration", "accuracy", "large share");
        summary.AddRow("small only", Percent(report.SmallOnly.Accuracy), "0%");
        summary.AddRow("large only", Percent(report.LargeOnly.Accuracy), "100%");
        summary.AddRow("judge only (KAN)", Percent(report.JudgeOnly.Accuracy), "-");
        console.WriteTable(summary);

        var calibrated = new Table().Title(Markup.Escape($"Calibrated KCM (router {report.ServingRouter}): promised on the calibration rows, delivered on the test rows"))
            .AddColumns("rule", "epsilon", "promised share", "promised acc.", "large-only (calibration)", "delivered share", "delivered acc.");
        foreach (var point in report.Calibrated.Values)
        {
            calibrated.AddRow(
                Markup.Escape($"{point.Rule} ({point.Parameter.ToString("0.####", CultureInfo.InvariantCulture)})"),
                point.Epsilon.ToString("0.#####", CultureInfo.InvariantCulture),
                Percent(point.PromisedLargeShare),
                Percent(point.PromisedAccuracy),
                Percent(point.CalibrationLargeOnlyAccuracy),
                Percent(point.LargeShare),
                Percent(point.Accuracy));
        }

        console.WriteTable(calibrated);
        if (report.Hints is { } hints)
        {
            console.MarkupLineInterpolated(
                $"hints: large only {Percent(hints.LargeOnlyWithHint)} with, {Percent(hints.LargeOnlyWithoutHint)} without; wrong hints echoed {Percent(hints.WrongHintEchoRate)} of {hints.WrongHints}");
            var hinted = new Table().Title("KCM with and without hints").AddColumns("rule", "large share", "KCM with", "KCM without", "routed rows", "large with", "large without", "wrong hints echoed");
            foreach (var (name, point) in hints.Calibrated)
            {
                hinted.AddRow(
                    name,
                    Percent(point.LargeShare),
                    Percent(point.AccuracyWithHint),
                    Percent(point.AccuracyWithoutHint),
                    point.RoutedRows.ToString(CultureInfo.InvariantCulture),
                    Percent(point.RoutedLargeAccuracyWithHint),
                    Percent(point.RoutedLargeAccuracyWithoutHint),
                    $"{Percent(point.RoutedWrongHintEchoRate)} of {point.RoutedWrongHints}");
            }

            console.WriteTable(hinted);
        }

        var routers = new Table().Title("Routers (test rows)").AddColumns("router", "APGR", "CPT(50%)", "CPT(80%)", "CPT(95%)", "validation APGR", "parameters");
        foreach (var (name, metrics) in report.Routers)
        {
            var best = name == report.BestRouter ? " (best)" : string.Empty;
            var parameters = report.Models.Routers.TryGetValue(name, out var size) ? size.Parameters.ToString(CultureInfo.InvariantCulture) : "-";
            routers.AddRow(name + best, Number(metrics.Apgr), Percent(metrics.Cpt50), Percent(metrics.Cpt80), Percent(metrics.Cpt95), Number(report.ValidationApgr.GetValueOrDefault(name)), parameters);
        }

        console.WriteTable(routers);
        var rounds = new Table().Title(Markup.Escape($"Replayed distillation (router {report.Distillation.Router}, epsilon {report.Distillation.Epsilon}, every {report.Distillation.Every} teacher records)"))
            .AddColumns("round", "traffic", "teacher records", "accepted", "small acc.", "large share", "small-softmax share", "KCM acc.", "router APGR");
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
                Percent(round.KcmAccuracy),
                Number(round.JudgeApgr));
        }

        console.WriteTable(rounds);
        console.MarkupLineInterpolated($"best judge on the validation split: [bold]{report.BestRouter}[/]; serving router {report.ServingRouter}; elapsed {report.ElapsedSeconds:F0} s");
    }
}
