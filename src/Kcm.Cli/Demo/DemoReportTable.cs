using System.Globalization;
using Spectre.Console;

namespace Kcm.Cli.Demo;

/// <summary>Renders a <see cref="DemoReport"/> as the demo's closing table.</summary>
internal static class DemoReportTable
{
    public static Table Create(DemoReport report)
    {
        var table = new Table().Title("KCM demo report").AddColumn("").AddColumn(new TableColumn("live traffic").RightAligned())
            .AddColumn(new TableColumn("test set").RightAligned());
        var (t, s) = (report.Traffic, report.Test);
        Row(table, "samples", N(t.Samples), N(s.Samples));
        Row(table, "accuracy", P(t.Accuracy), P(s.Accuracy));
        Row(table, "  small route / large route", $"{P(t.SmallAccuracy)} / {P(t.LargeAccuracy)}", $"{P(s.SmallAccuracy)} / {P(s.LargeAccuracy)}");
        Row(table, "large-model share", P(t.LargeShare), P(s.LargeShare));
        Row(table, "throughput (samples/s)", N(t.SamplesPerSecond), N(s.SamplesPerSecond));
        Row(table, "small route p50 / p99 (ms, server)", Ms(t.SmallLatencyP50, t.SmallLatencyP99), Ms(s.SmallLatencyP50, s.SmallLatencyP99));
        Row(table, "large route p50 / p99 (ms, server)", Ms(t.LargeLatencyP50, t.LargeLatencyP99), Ms(s.LargeLatencyP50, s.LargeLatencyP99));
        Row(table, "request p50 / p99 (ms, client)", Ms(t.RequestLatencyP50, t.RequestLatencyP99), Ms(s.RequestLatencyP50, s.RequestLatencyP99));
        Row(table, "small model versions", $"v{t.FirstSmallVersion} to v{t.LastSmallVersion}", $"v{s.FirstSmallVersion} to v{s.LastSmallVersion}");
        table.AddEmptyRow();
        var rounds = report.DistillationRounds;
        Row(table, "distillation rounds", $"{rounds.Total}: {rounds.Accepted} swapped, {rounds.Rejected} rejected, {rounds.Failed} failed, {rounds.Empty} empty", "");
        var kept = string.Join(", ", report.SmallModelVersions.Select(v => $"v{v.Version} {P(v.CheckAccuracy)}"));
        Row(table, "small model check accuracy", $"start {P(report.InitialSmallCheckAccuracy)}; kept: {kept}", "");

        var large = report.LargeModel;
        // A user's model (kcm demo --data) has no card: its accuracy is measured only.
        Row(table, "large model (ONNX) test accuracy", report.Options.DataPath is not null
            ? $"{P(large.MeasuredAccuracy)} measured" : $"{P(large.MeasuredAccuracy)} measured, {P(large.CardAccuracy)} card",
            report.Options.DataPath is not null ? "no card" : large.Matches ? "match" : "MISMATCH");
        Row(table, "threshold / ready after / total", $"{report.Threshold.ToString("0.###", CultureInfo.InvariantCulture)} / {report.ReadySeconds:F1} s / {report.TotalSeconds:F1} s", "");
        return table;
    }

    private static void Row(Table table, string name, string traffic, string test) =>
        table.AddRow(Markup.Escape(name), Markup.Escape(traffic), Markup.Escape(test));

    private static string N(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string P(double value) => double.IsNaN(value) ? "-" : (value * 100).ToString("F2", CultureInfo.InvariantCulture) + " %";

    private static string Ms(double p50, double p99) => double.IsNaN(p50)
        ? "-"
        : p50.ToString("F2", CultureInfo.InvariantCulture) + " / " + p99.ToString("F2", CultureInfo.InvariantCulture);
}
