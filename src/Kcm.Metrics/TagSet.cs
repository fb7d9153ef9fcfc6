using System.Globalization;
using System.Text;

namespace Kcm.Metrics;

/// <summary>Order-independent hashing and matching of measurement tags, and their rendering as Prometheus labels.</summary>
internal static class TagSet
{
    /// <summary>Sum of per-tag hashes, so the same tags in another order hash alike.</summary>
    public static int Hash(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var hash = 0;
        foreach (var tag in tags)
        {
            hash += HashCode.Combine(tag.Key, tag.Value);
        }

        return hash;
    }

    /// <summary>Whether the incoming tags equal the stored ones, ignoring order (tag sets are small, so a nested scan is cheapest).</summary>
    public static bool Matches(KeyValuePair<string, object?>[] stored, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (stored.Length != tags.Length)
        {
            return false;
        }

        foreach (var tag in tags)
        {
            var found = false;
            foreach (var candidate in stored)
            {
                if (string.Equals(candidate.Key, tag.Key, StringComparison.Ordinal))
                {
                    found = Equals(candidate.Value, tag.Value);
                    break;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Renders <c>a="x",b="y"</c> (sorted by label name, escaped), without braces.</summary>
    public static string RenderLabels(KeyValuePair<string, object?>[] tags)
    {
        var ordered = tags
            .Select(t => (Name: PrometheusNames.LabelName(t.Key), Value: PrometheusNames.EscapeLabelValue(FormatValue(t.Value))))
            .OrderBy(t => t.Name, StringComparer.Ordinal);
        var builder = new StringBuilder();
        foreach (var (name, value) in ordered)
        {
            if (builder.Length > 0)
            {
                builder.Append(',');
            }

            builder.Append(name).Append("=\"").Append(value).Append('"');
        }

        return builder.ToString();
    }

    private static string FormatValue(object? value) => value switch
    {
        null => string.Empty,
        string text => text,
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
