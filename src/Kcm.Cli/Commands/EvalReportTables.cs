using System.Globalization;
using Kcm.Evaluation;
using Spectre.Console;
using static Kcm.Cli.Commands.ReportCells;

namespace Kcm.Cli.Commands;

/// <summary>The tables `kcm eval` prints: accuracy by configuration, the routers' metrics, the replayed distillation rounds.</summary>
internal static class EvalReportTables
{
    public static void Write(IAnsiConsole console, EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(report);
        var summary = new Table().Title("Accuracy on the test set").AddColumns("configuration", "accuracy", "large share");
        summary.AddRow("small only", Percent(report.SmallOnly.Accuracy), "0%");
        summary.AddRow("large only", Percent(report.LargeOnly.Accuracy), "100%");
        summary.AddRow("judge only (KAN)", Percent(report.JudgeOnly.Accuracy), "-");
        summary.AddRow(Markup.Escape($"KCM, {report.Kcm.Router}, epsilon {report.Kcm.Epsilon:0.###}"), Percent(report.Kcm.Accuracy), Percent(report.Kcm.LargeShare));
        summary.AddRow(
            Markup.Escape($"KCM calibrated for {report.Calibrated.TargetLargeShare:P0} (epsilon {report.Calibrated.Epsilon:0.####})"),
            Percent(report.Calibrated.Accuracy),
            Percent(report.Calibrated.LargeShare));
        console.WriteTable(summary);

        var routers = new Table().Title("Routers (test set)").AddColumns("router", "APGR", "CPT(50%)", "CPT(80%)", "CPT(95%)", "validation APGR");
        foreach (var (name, metrics) in report.Routers)
        {
            var best = name == report.BestRouter ? " (best)" : string.Empty;
            routers.AddRow(name + best, Number(metrics.Apgr), Percent(metrics.Cpt50), Percent(metrics.Cpt80), Percent(metrics.Cpt95), Number(report.ValidationApgr.GetValueOrDefault(name)));
        }

        console.WriteTable(routers);
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

        console.WriteTable(rounds);
        console.MarkupLineInterpolated($"best router on the validation split: [bold]{report.BestRouter}[/]; elapsed {report.ElapsedSeconds:F0} s");
    }
}
