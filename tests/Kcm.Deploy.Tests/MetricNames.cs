using System.Text.RegularExpressions;
using Kcm.Testing;

namespace Kcm.Deploy.Tests;

/// <summary>Metric names: those the source code exports, and those a PromQL expression uses.</summary>
public static partial class MetricNames
{
    /// <summary>Series Prometheus derives from a histogram family.</summary>
    private static readonly string[] HistogramSuffixes = ["_bucket", "_sum", "_count"];

    /// <summary>
    /// Every "kcm_..." string literal in src/**/*.cs: the instrument names of the Orleans silo, which the exporter keeps
    /// as they are.
    /// </summary>
    public static IReadOnlySet<string> InSource() =>
        Directory.EnumerateFiles(RepositoryRoot.Combine("src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => SourceLiteral().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value))
            .ToHashSet();

    /// <summary>The kcm_ and orleans_ metric names and kcm: recording-rule names in a PromQL expression.</summary>
    public static IEnumerable<string> UsedIn(string promql) => UsedName().Matches(promql).Select(m => m.Value);

    /// <summary>Whether <paramref name="name"/> is a recording rule's (level:metric:operation), not an exported metric.</summary>
    public static bool IsRecorded(string name) => name.Contains(':', StringComparison.Ordinal);

    /// <summary>Whether <paramref name="name"/> is one of Orleans' own metrics (meter Microsoft.Orleans), not ours.</summary>
    public static bool IsOrleans(string name) => name.StartsWith("orleans_", StringComparison.Ordinal);

    /// <summary>Whether <paramref name="name"/> is exported, directly or as a histogram's _bucket/_sum/_count series.</summary>
    public static bool IsExported(string name, IReadOnlySet<string> families) =>
        families.Contains(name)
        || HistogramSuffixes.Any(s => name.EndsWith(s, StringComparison.Ordinal) && families.Contains(name[..^s.Length]));

    [GeneratedRegex("\"(kcm_[a-z0-9_]+)\"")]
    private static partial Regex SourceLiteral();

    [GeneratedRegex(@"\b(kcm[_:]|orleans_)[a-z0-9_:]*[a-z0-9]")]
    private static partial Regex UsedName();
}
