using System.Globalization;

namespace Kcm.Cli.Demo;

/// <summary>Reads figures out of the silo's Prometheus text exposition.</summary>
internal static class PrometheusText
{
    /// <summary>
    /// The sum over every series of <paramref name="family"/> (0 when absent); with <paramref name="label"/> (e.g.
    /// <c>outcome="accepted"</c>), only over the series carrying that label.
    /// </summary>
    public static double Sum(string text, string family, string? label = null)
    {
        var sum = 0.0;
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith(family, StringComparison.Ordinal) || line.Length == family.Length || line[family.Length] is not ('{' or ' '))
            {
                continue;
            }

            if (label is not null && (line[family.Length] != '{' || !line[..Math.Max(line.IndexOf('}'), 0)].Contains(label, StringComparison.Ordinal)))
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            if (double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                sum += value;
            }
        }

        return sum;
    }
}
