using System.Globalization;
using ScottPlot;

namespace Kcm.Evaluation.Charts;

/// <summary>
/// The replayed distillation loop of an evaluation against the traffic replayed: on the left axis the small model's,
/// the judge's and KCM's test accuracy (large-only accuracy dashed), on the right axis the large-model share at the
/// fixed epsilon under the serving router and under the small model's own max-softmax (square markers). Rounds whose
/// small-model candidate the guard rejected are marked with a cross. Drawn in percent; one point per round.
/// </summary>
public static class DistillationRoundsChart
{
    public const string FileName = "distillation-rounds";

    public static Plot Create(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var distillation = report.Distillation;
        var rounds = distillation.Rounds;
        var plot = new Plot();
        ChartStyle.Apply(plot);
        plot.Title(string.Create(CultureInfo.InvariantCulture,
            $"Replayed distillation: {rounds.Count - 1} rounds, one every {distillation.Every:N0} teacher records ({distillation.Router}, epsilon {distillation.Epsilon:0.###})"));
        plot.XLabel("traffic rows replayed (one point per distillation round)");
        plot.YLabel("accuracy on the test set (%)");
        plot.Axes.Right.Label.Text = "share of samples sent to the large model (%)";

        var traffic = rounds.Select(r => (double)r.TrafficSeen).ToArray();
        var palette = new ScottPlot.Palettes.Category10();
        var large = plot.Add.HorizontalLine(report.LargeOnly.Accuracy * 100, 1.5f, Colors.Black, LinePattern.Dashed);
        large.LegendText = "large only (accuracy)";
        Line(plot, traffic, rounds.Select(r => r.SmallAccuracy), palette.GetColor(0), "small model accuracy");
        if (rounds.All(r => r.JudgeAccuracy is not null))
        {
            Line(plot, traffic, rounds.Select(r => r.JudgeAccuracy!.Value), palette.GetColor(2), "distilled judge accuracy");
        }
        Line(plot, traffic, rounds.Select(r => r.KcmAccuracy), palette.GetColor(3), "KCM accuracy");
        var share = Line(plot, traffic, rounds.Select(r => r.LargeShare), palette.GetColor(1), $"large share, {distillation.Router} (right axis)");
        share.MarkerShape = MarkerShape.FilledSquare;
        share.Axes.YAxis = plot.Axes.Right;
        var ownShare = Line(plot, traffic, rounds.Select(r => r.SmallSoftmaxLargeShare), palette.GetColor(4), "large share, small_softmax (right axis)");
        ownShare.MarkerShape = MarkerShape.FilledSquare;
        ownShare.Axes.YAxis = plot.Axes.Right;

        var rejected = rounds.Where(r => !r.Accepted).ToArray();
        if (rejected.Length > 0)
        {
            var crosses = plot.Add.Markers(
                rejected.Select(r => (double)r.TrafficSeen).ToArray(), rejected.Select(r => r.SmallAccuracy * 100).ToArray(), MarkerShape.Eks, 14, Colors.Red);
            crosses.MarkerLineWidth = 3;
            crosses.LegendText = "small-model candidate rejected";
        }

        // Outside the data: the lines cross the whole area.
        plot.ShowLegend(Edge.Bottom);
        return plot;
    }

    private static ScottPlot.Plottables.Scatter Line(Plot plot, double[] traffic, IEnumerable<double> fractions, Color color, string legend)
    {
        var line = plot.Add.Scatter(traffic, fractions.Select(f => f * 100).ToArray(), color);
        line.LineWidth = 2;
        line.MarkerSize = 6;
        line.LegendText = legend;
        return line;
    }
}
