using System.Xml.Linq;
using Kcm.Evaluation.Charts;
using Kcm.Testing;

namespace Kcm.Evaluation.Tests;

public sealed class DistillationRoundsChartTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "kcm-rounds-chart-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Save_SampleReport_WritesAPngOfTheChartSizeWithEveryLineAndTheRejectedRound()
    {
        using var plot = DistillationRoundsChart.Create(SampleReport.Create());

        var png = PngPicture.Read(ChartFiles.Save(plot, _folder, DistillationRoundsChart.FileName)[0]);

        Assert.Equal((ChartFiles.Width, ChartFiles.Height), (png.Width, png.Height));
        Assert.True(png.DistinctColours > 100, $"{png.DistinctColours} colours");
        Assert.InRange(png.DrawnFraction, 0.03, 0.6);
        // Small, large share, judge, KCM, small-softmax share (Category10), and the red cross of round 3.
        Assert.All(["#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#FF0000"], colour => Assert.True(png.PixelsOf(colour) > 50, $"{colour}: {png.PixelsOf(colour)} pixels"));
    }

    [Fact]
    public void Save_SampleReport_LabelsBothAxesAndNamesTheRightAxisLines()
    {
        using var plot = DistillationRoundsChart.Create(SampleReport.Create());

        var svg = ChartFiles.Save(plot, _folder, DistillationRoundsChart.FileName)[1];

        var texts = XDocument.Load(svg).Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).ToList();
        Assert.Contains("Replayed distillation: 5 rounds, one every 4,000 teacher records (kan_judge, epsilon 0.98)", texts);
        Assert.Contains("accuracy on the test set (%)", texts);
        Assert.Contains("share of samples sent to the large model (%)", texts);
        Assert.Contains("large share, kan_judge (right axis)", texts);
        Assert.Contains("small-model candidate rejected", texts);
    }
}
