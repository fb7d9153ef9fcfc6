using System.Globalization;
using Kcm.Evaluation.Charts;
using ScottPlot;

namespace Kcm.Cli.Demo;

/// <summary>
/// The demo run as one chart over the samples served, live traffic first and the test set after it (shaded): accuracy
/// and large-model share window by window, a grey line where each traffic wave starts (the distiller caught up in
/// the pause before it) and a dashed green line where each newer small-model version first answered. Drawn in percent.
/// </summary>
internal static class DemoChart
{
    private static readonly Color AccuracyColour = new ScottPlot.Palettes.Category10().GetColor(0);
    private static readonly Color ShareColour = new ScottPlot.Palettes.Category10().GetColor(1);
    private static readonly Color SwapColour = new ScottPlot.Palettes.Category10().GetColor(2);

    public static Plot Create(DemoReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var (traffic, test, rounds) = (report.Traffic, report.Test, report.DistillationRounds);
        var plot = new Plot();
        ChartStyle.Apply(plot);
        plot.Title(string.Create(CultureInfo.InvariantCulture,
            $"KCM demo: {traffic.Samples:N0} live samples in {report.Options.Waves} waves, then {test.Samples:N0} test samples; "
            + $"{rounds.Total} distillation rounds, {rounds.Accepted} swapped"));
        plot.XLabel("samples served, in sending order");
        plot.YLabel(string.Create(CultureInfo.InvariantCulture, $"per window of about {PhaseTimeline.WindowSamples} samples (%)"));

        var testSpan = plot.Add.HorizontalSpan(traffic.Samples, traffic.Samples + test.Samples, Colors.Gray.WithAlpha(0.15));
        testSpan.LegendText = "test set (after the live traffic)";
        Phase(plot, traffic, 0, legend: true);
        Phase(plot, test, traffic.Samples, legend: false);
        foreach (var window in traffic.Timeline.Windows.DistinctBy(w => w.Wave).Where(w => w.Wave > 0))
        {
            var line = plot.Add.VerticalLine(window.FirstSample, 1.5f, Colors.Gray);
            line.LegendText = window.Wave == 1 ? "traffic wave starts" : string.Empty;
            // Labels sit inside the data area: wave numbers at the bottom, versions at the top.
            var label = plot.Add.Text($"wave {window.Wave + 1}", window.FirstSample, 1);
            label.LabelAlignment = Alignment.LowerLeft;
            label.OffsetX = 4;
            label.LabelFontSize = 12;
            label.LabelFontColor = Colors.DimGray;
        }

        var swaps = traffic.Timeline.Swaps.ToList();
        if (test.FirstSmallVersion > traffic.LastSmallVersion)
        {
            // Swapped between the phases: the test set's first answer already came from the newer version.
            swaps.Add(new SmallModelSwap(test.FirstSmallVersion, traffic.Samples));
        }

        swaps.AddRange(test.Timeline.Swaps.Select(s => s with { FirstSample = traffic.Samples + s.FirstSample }));
        for (var i = 0; i < swaps.Count; i++)
        {
            var line = plot.Add.VerticalLine(swaps[i].FirstSample, 1.5f, SwapColour, LinePattern.Dashed);
            line.LegendText = i == 0 ? "newer small model first answers (version)" : string.Empty;
            var label = plot.Add.Text($"v{swaps[i].Version}", swaps[i].FirstSample, 100);
            label.LabelAlignment = Alignment.UpperLeft;
            label.OffsetX = 3;
            label.OffsetY = 4;
            label.LabelPadding = 3;
            label.LabelFontSize = 12;
            label.LabelBold = true;
            label.LabelFontColor = Colors.White;
            label.LabelBackgroundColor = SwapColour;
        }

        plot.Axes.SetLimits(0, traffic.Samples + test.Samples, 0, 100);
        // Room for the last tick label at the right edge; the legend below the data, which spans the whole area.
        plot.Axes.Right.MinimumSize = 30;
        plot.ShowLegend(Edge.Bottom);
        return plot;
    }

    private static void Phase(Plot plot, PhaseResult phase, int offset, bool legend)
    {
        var windows = phase.Timeline.Windows;
        var middles = windows.Select(w => offset + w.FirstSample + (w.Samples / 2.0)).ToArray();
        var accuracy = plot.Add.Scatter(middles, windows.Select(w => w.Accuracy * 100).ToArray(), AccuracyColour);
        var share = plot.Add.Scatter(middles, windows.Select(w => w.LargeShare * 100).ToArray(), ShareColour);
        foreach (var line in new[] { accuracy, share })
        {
            line.LineWidth = 2;
            line.MarkerSize = 4;
        }

        if (legend)
        {
            accuracy.LegendText = "accuracy";
            share.LegendText = "share sent to the large model";
        }
    }
}
