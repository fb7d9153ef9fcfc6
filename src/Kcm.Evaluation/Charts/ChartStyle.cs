using ScottPlot;
using SkiaSharp;

namespace Kcm.Evaluation.Charts;

/// <summary>
/// What every chart of ours shares: a sans-serif font. ScottPlot takes the system's default face, which fontconfig on
/// Debian may resolve to DejaVu Serif; the first installed of a few common sans-serif families is used instead.
/// The legend's font size is set explicitly: left unset, ScottPlot 5.1.59 clips the top of the first legend row in
/// this font.
/// </summary>
public static class ChartStyle
{
    private static readonly string[] SansFamilies = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Open Sans", "Arial"];

    private const float LegendFontSize = 13;

    /// <summary>The font family the charts are drawn in.</summary>
    public static string FontName { get; } = InstalledSans();

    /// <summary>Sets the font on the plot's title, axes and legend; call before adding plottables so their labels get it too.</summary>
    public static void Apply(Plot plot)
    {
        ArgumentNullException.ThrowIfNull(plot);
        plot.Font.Set(FontName);
        plot.Legend.FontSize = LegendFontSize;
    }

    private static string InstalledSans()
    {
        var installed = new HashSet<string>(SKFontManager.Default.FontFamilies, StringComparer.OrdinalIgnoreCase);
        return SansFamilies.FirstOrDefault(installed.Contains) ?? Fonts.Sans;
    }
}
