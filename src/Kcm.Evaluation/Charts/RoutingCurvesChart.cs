using System.Globalization;
using ScottPlot;

namespace Kcm.Evaluation.Charts;

/// <summary>
/// The routing curves of an evaluation: test accuracy against the share of samples sent to the large model, one line
/// per router (its APGR in the legend, the best router on the validation split drawn thicker), dashed lines at
/// small-only and large-only accuracy, and KCM's fixed-epsilon and calibrated operating points. Drawn in percent.
/// </summary>
public static class RoutingCurvesChart
{
    public const string FileName = "routing-curves";

    public static Plot Create(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var plot = new Plot();
        ChartStyle.Apply(plot);
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"Routing curves on {report.Data.TestCount:N0} test samples"));
        plot.XLabel("share of samples sent to the large model (%)");
        plot.YLabel("accuracy on the test set (%)");

        var large = plot.Add.HorizontalLine(report.LargeOnly.Accuracy * 100, 1.5f, Colors.Black, LinePattern.Dashed);
        large.LegendText = $"large only ({Percent(report.LargeOnly.Accuracy)})";
        var small = plot.Add.HorizontalLine(report.SmallOnly.Accuracy * 100, 1.5f, Colors.Gray, LinePattern.Dashed);
        small.LegendText = $"small only ({Percent(report.SmallOnly.Accuracy)})";

        var palette = new ScottPlot.Palettes.Category10();
        var index = 0;
        foreach (var (name, metrics) in report.Routers)
        {
            var line = plot.Add.ScatterLine(
                metrics.Curve.Select(p => p.Share * 100).ToArray(), metrics.Curve.Select(p => p.Accuracy * 100).ToArray(), palette.GetColor(index++));
            var best = name == report.BestRouter;
            line.LineWidth = best ? 3.5f : 2f;
            line.LegendText = $"{name}, APGR {Number(metrics.Apgr)}{(best ? " (best on validation)" : "")}";
        }

        // The calibrated points on the test rows: filled for the fixed epsilon, open for the calibrated rules.
        foreach (var point in report.Calibrated.Values)
        {
            var shape = point.Rule == "fixed_epsilon" ? MarkerShape.FilledDiamond : point.Rule == "accuracy_tolerance" ? MarkerShape.OpenDiamond : MarkerShape.OpenSquare;
            var marker = plot.Add.Marker(point.LargeShare * 100, point.Accuracy * 100, shape, 13, Colors.Black);
            marker.MarkerLineWidth = 2;
            marker.LegendText = string.Create(CultureInfo.InvariantCulture, $"KCM, {point.Rule} (epsilon {point.Epsilon:0.####})");
        }

        plot.Axes.SetLimitsX(-2, 102);
        // Up to 17 routers and three points: the legend sits beside the plot, not over the curves.
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    private static string Percent(double fraction) => (fraction * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%";

    private static string Number(double? value) => value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "-";
}
