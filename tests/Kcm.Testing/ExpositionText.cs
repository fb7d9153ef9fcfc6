using System.Globalization;
using System.Text.RegularExpressions;

namespace Kcm.Testing;

/// <summary>Reads a Prometheus text exposition (a silo's /metrics): family names, samples and their values.</summary>
public static partial class ExpositionText
{
    /// <summary>Every family named in a # TYPE line.</summary>
    public static IReadOnlySet<string> Families(string text) =>
        TypeLine().Matches(text).Select(m => m.Groups[1].Value).ToHashSet();

    /// <summary>Every sample line, in order.</summary>
    public static IReadOnlyList<ExpositionSample> Samples(string text) =>
        [.. SampleLine().Matches(text).Select(m => new ExpositionSample(
            m.Groups[1].Value,
            LabelPair().Matches(m.Groups[2].Value).ToDictionary(l => l.Groups[1].Value, l => l.Groups[2].Value),
            ParseValue(m.Groups[3].Value)))];

    /// <summary>The samples of <paramref name="metric"/> that carry every given label value.</summary>
    public static IEnumerable<ExpositionSample> Select(string text, string metric, params (string Name, string Value)[] labels) =>
        Samples(text).Where(s => s.Name == metric && labels.All(l => s.Labels.TryGetValue(l.Name, out var value) && value == l.Value));

    /// <summary>The sum of the samples of <paramref name="metric"/> that carry every given label value.</summary>
    public static double Sum(string text, string metric, params (string Name, string Value)[] labels) =>
        Select(text, metric, labels).Sum(s => s.Value);

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(text, CultureInfo.InvariantCulture),
    };

    [GeneratedRegex(@"^# TYPE (\S+) ", RegexOptions.Multiline)]
    private static partial Regex TypeLine();

    // Labels: anything up to the closing brace outside quotes (a value may hold braces, e.g. http_route="/v1/models/{model}").
    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[^""}]|""(?:[^""\\]|\\.)*"")*)\})? (\S+)", RegexOptions.Multiline)]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
