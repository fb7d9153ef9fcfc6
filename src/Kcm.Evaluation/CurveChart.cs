using System.Globalization;
using System.Net;
using System.Text;

namespace Kcm.Evaluation;

/// <summary>
/// Draws routing curves (accuracy against large-model share) as a self-contained SVG: one coloured line per router,
/// dashed reference lines for small-only and large-only accuracy, axes with percent ticks and a legend.
/// </summary>
public static class CurveChart
{
    private const int Width = 760;
    private const int Height = 480;
    private const int Left = 70;
    private const int Right = 190;
    private const int Top = 40;
    private const int Bottom = 50;

    private static readonly string[] Colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#7f7f7f", "#ff7f0e", "#8c564b"];

    public static string Render(string title, IReadOnlyList<ChartSeries> series, double smallAccuracy, double largeAccuracy)
    {
        ArgumentNullException.ThrowIfNull(series);
        var low = Math.Min(smallAccuracy, largeAccuracy);
        var high = Math.Max(smallAccuracy, largeAccuracy);
        foreach (var line in series)
        {
            foreach (var point in line.Points)
            {
                low = Math.Min(low, point.Accuracy);
                high = Math.Max(high, point.Accuracy);
            }
        }

        // Round the accuracy axis out to whole percent steps so ticks land on readable values.
        var yMin = Math.Floor((low - 0.005) * 100) / 100;
        var yMax = Math.Ceiling((high + 0.005) * 100) / 100;
        var plotWidth = Width - Left - Right;
        var plotHeight = Height - Top - Bottom;
        double X(double share) => Left + (share * plotWidth);
        double Y(double accuracy) => Top + ((yMax - accuracy) / (yMax - yMin) * plotHeight);

        var svg = new StringBuilder();
        Append(svg, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">");
        Append(svg, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>");
        Append(svg, $"<text x=\"{Width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{WebUtility.HtmlEncode(title)}</text>");
        for (var tick = 0; tick <= 10; tick++)
        {
            var x = X(tick / 10.0);
            Append(svg, $"<line x1=\"{x:F1}\" y1=\"{Top}\" x2=\"{x:F1}\" y2=\"{Top + plotHeight}\" stroke=\"#eee\"/>");
            Append(svg, $"<text x=\"{x:F1}\" y=\"{Top + plotHeight + 16}\" text-anchor=\"middle\">{tick * 10}%</text>");
        }

        var steps = (int)Math.Round((yMax - yMin) * 100);
        var every = Math.Max(1, (int)Math.Ceiling(steps / 10.0));
        for (var step = 0; step <= steps; step += every)
        {
            var accuracy = yMin + (step / 100.0);
            var y = Y(accuracy);
            Append(svg, $"<line x1=\"{Left}\" y1=\"{y:F1}\" x2=\"{Left + plotWidth}\" y2=\"{y:F1}\" stroke=\"#eee\"/>");
            Append(svg, $"<text x=\"{Left - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{accuracy * 100:F0}%</text>");
        }

        Append(svg, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotWidth}\" height=\"{plotHeight}\" fill=\"none\" stroke=\"#333\"/>");
        Append(svg, $"<text x=\"{Left + (plotWidth / 2)}\" y=\"{Height - 12}\" text-anchor=\"middle\">share of samples sent to the large model</text>");
        Append(svg, $"<text transform=\"translate(18,{Top + (plotHeight / 2)}) rotate(-90)\" text-anchor=\"middle\">accuracy</text>");
        Reference(svg, "large only", Y(largeAccuracy), Left, plotWidth);
        Reference(svg, "small only", Y(smallAccuracy), Left, plotWidth);
        for (var i = 0; i < series.Count; i++)
        {
            var colour = Colours[i % Colours.Length];
            var points = string.Join(' ', series[i].Points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p.Share):F1},{Y(p.Accuracy):F1}")));
            Append(svg, $"<polyline points=\"{points}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>");
            var legendY = Top + 10 + (i * 20);
            Append(svg, $"<line x1=\"{Width - Right + 15}\" y1=\"{legendY}\" x2=\"{Width - Right + 40}\" y2=\"{legendY}\" stroke=\"{colour}\" stroke-width=\"3\"/>");
            Append(svg, $"<text x=\"{Width - Right + 46}\" y=\"{legendY + 4}\">{WebUtility.HtmlEncode(series[i].Name)}</text>");
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void Reference(StringBuilder svg, string label, double y, int left, int width)
    {
        Append(svg, $"<line x1=\"{left}\" y1=\"{y:F1}\" x2=\"{left + width}\" y2=\"{y:F1}\" stroke=\"#555\" stroke-dasharray=\"5,4\"/>");
        Append(svg, $"<text x=\"{left + width - 4}\" y=\"{y - 4:F1}\" text-anchor=\"end\" fill=\"#555\">{label}</text>");
    }

    private static void Append(StringBuilder svg, FormattableString line) =>
        svg.Append(line.ToString(CultureInfo.InvariantCulture)).Append('\n');
}
