using System.Xml.Linq;
using Kcm.Evaluation.Charts;
using Kcm.Testing;

namespace Kcm.Evaluation.Tests;

public sealed class RoutingCurvesChartTests : IDisposable
{
    // ScottPlot's Category10 palette, the colours of the five routers in order.
    private static readonly string[] RouterColours = ["#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD"];
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "kcm-routing-chart-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Save_SampleReport_WritesAPngOfTheChartSizeWithEveryRoutersLine()
    {
        using var plot = RoutingCurvesChart.Create(SampleReport.Create());

        var files = ChartFiles.Save(plot, _folder, RoutingCurvesChart.FileName);

        Assert.Equal([Path.Combine(_folder, "routing-curves.png"), Path.Combine(_folder, "routing-curves.svg")], files);
        var png = PngPicture.Read(files[0]);
        Assert.Equal((ChartFiles.Width, ChartFiles.Height), (png.Width, png.Height));
        // Lines, text and grid: many colours (anti-aliasing), a good part of the picture drawn, yet mostly background.
        Assert.True(png.DistinctColours > 100, $"{png.DistinctColours} colours");
        Assert.InRange(png.DrawnFraction, 0.03, 0.6);
        Assert.All(RouterColours, colour => Assert.True(png.PixelsOf(colour) > 200, $"{colour}: {png.PixelsOf(colour)} pixels"));
    }

    [Fact]
    public void Save_SampleReport_WritesAnSvgWithTitleAxisLabelsAndALegendEntryPerRouter()
    {
        using var plot = RoutingCurvesChart.Create(SampleReport.Create());

        var svg = ChartFiles.Save(plot, _folder, RoutingCurvesChart.FileName)[1];

        var texts = XDocument.Load(svg).Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).ToList();
        Assert.Contains("Routing curves on 10,000 test samples", texts);
        Assert.Contains("share of samples sent to the large model (%)", texts);
        Assert.Contains("accuracy on the test set (%)", texts);
        Assert.Contains("kan_judge, APGR 0.800 (best on validation)", texts);
        Assert.Contains("large only (93.00%)", texts);
        Assert.All(SampleReport.Routers, router => Assert.Contains(texts, t => t.StartsWith(router + ", APGR ", StringComparison.Ordinal)));
    }
}
