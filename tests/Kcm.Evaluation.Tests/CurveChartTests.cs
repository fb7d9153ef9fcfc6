using System.Xml.Linq;

namespace Kcm.Evaluation.Tests;

public sealed class CurveChartTests
{
    [Fact]
    public void Render_TwoSeries_IsWellFormedSvgWithOneLineAndLegendEach()
    {
        var curve = Enumerable.Range(0, 21).Select(i => new CurvePoint(i / 20.0, 0.8 + (i / 200.0))).ToList();
        var flat = Enumerable.Range(0, 21).Select(i => new CurvePoint(i / 20.0, 0.8 + (i / 400.0))).ToList();

        var svg = CurveChart.Render("Curves & <things>", [new ChartSeries("kan_judge", curve), new ChartSeries("random", flat)], 0.8, 0.9);

        var document = XDocument.Parse(svg);
        XNamespace ns = "http://www.w3.org/2000/svg";
        var polylines = document.Descendants(ns + "polyline").ToList();
        Assert.Equal(2, polylines.Count);
        Assert.Equal(21, polylines[0].Attribute("points")!.Value.Split(' ').Length);
        Assert.Contains(document.Descendants(ns + "text"), t => t.Value == "kan_judge");
        Assert.Contains(document.Descendants(ns + "text"), t => t.Value == "Curves & <things>");
    }
}
