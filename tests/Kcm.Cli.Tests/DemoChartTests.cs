using System.Xml.Linq;
using Kcm.Cli.Demo;
using Kcm.Evaluation.Charts;
using Kcm.Testing;

namespace Kcm.Cli.Tests;

public sealed class DemoChartTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "kcm-demo-chart-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Save_SampleRun_WritesAPngOfTheChartSizeWithBothLinesAndTheSwaps()
    {
        using var plot = DemoChart.Create(SampleDemoReport.Create());

        var png = PngPicture.Read(ChartFiles.Save(plot, _folder, "demo")[0]);

        Assert.Equal((ChartFiles.Width, ChartFiles.Height), (png.Width, png.Height));
        Assert.True(png.DistinctColours > 100, $"{png.DistinctColours} colours");
        Assert.InRange(png.DrawnFraction, 0.03, 0.6);
        // Accuracy, large share and swap lines in ScottPlot's Category10 blue, orange and green.
        Assert.All(["#1F77B4", "#FF7F0E", "#2CA02C"], colour => Assert.True(png.PixelsOf(colour) > 200, $"{colour}: {png.PixelsOf(colour)} pixels"));
    }

    [Fact]
    public void Save_SampleRun_LabelsEverySwapAndWaveAndTheAxes()
    {
        using var plot = DemoChart.Create(SampleDemoReport.Create());

        var svg = ChartFiles.Save(plot, _folder, "demo")[1];

        var texts = XDocument.Load(svg).Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).ToList();
        // v2 and v3 during the traffic (v3 at the second wave), v4 between the phases, v5 in the test set.
        Assert.Equal(["v2", "v3", "v4", "v5"], texts.Where(t => t.Length == 2 && t[0] == 'v').Order());
        Assert.Contains("wave 2", texts);
        Assert.Contains("samples served, in sending order", texts);
        Assert.Contains("per window of about 500 samples (%)", texts);
        Assert.Contains("accuracy", texts);
        Assert.Contains("share sent to the large model", texts);
        Assert.Contains(texts, t => t.StartsWith("KCM demo: 9,000 live samples in 2 waves, then 2,000 test samples", StringComparison.Ordinal));
    }
}
