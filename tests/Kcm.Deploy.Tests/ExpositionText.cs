using System.Globalization;
using System.Text.RegularExpressions;

namespace Kcm.Deploy.Tests;

/// <summary>Reads a Prometheus text exposition (a silo's /metrics): family names and sample values.</summary>
public static partial class ExpositionText
{
    /// <summary>Every family named in a # TYPE line.</summary>
    public static IReadOnlySet<string> Families(string text) =>
        TypeLine().Matches(text).Select(m => m.Groups[1].Value).ToHashSet();

    /// <summary>The sum of the samples of <paramref name="metric"/> that carry every given label value.</summary>
    public static double Sum(string text, string metric, params (string Name, string Value)[] labels) =>
        SampleLine().Matches(text)
            .Where(m => m.Groups[1].Value == metric && labels.All(l => m.Groups[2].Value.Contains($"{l.Name}=\"{l.Value}\"", StringComparison.Ordinal)))
            .Sum(m => double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^# TYPE (\S+) ", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)", RegexOptions.Multiline)]
    private static partial Regex SampleLine();
}
