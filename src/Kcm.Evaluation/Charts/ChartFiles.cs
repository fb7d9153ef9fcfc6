using ScottPlot;

namespace Kcm.Evaluation.Charts;

/// <summary>Writes a chart as a PNG (for viewers and docs) and an SVG (for scaling) of the same size, side by side.</summary>
public static class ChartFiles
{
    public const int Width = 960;
    public const int Height = 560;

    /// <summary>Writes <c>folder/name.png</c> and <c>folder/name.svg</c> (creating the folder) and returns both paths.</summary>
    public static IReadOnlyList<string> Save(Plot plot, string folder, string name)
    {
        ArgumentNullException.ThrowIfNull(plot);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        Directory.CreateDirectory(folder);
        var png = Path.Combine(folder, name + ".png");
        var svg = Path.Combine(folder, name + ".svg");
        plot.SavePng(png, Width, Height);
        plot.SaveSvg(svg, Width, Height);
        return [png, svg];
    }
}
