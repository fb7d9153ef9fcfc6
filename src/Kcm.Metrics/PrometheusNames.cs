using System.Text;

namespace Kcm.Metrics;

/// <summary>Sanitising of metric and label names and escaping of HELP text and label values (text format 0.0.4).</summary>
internal static class PrometheusNames
{
    /// <summary>Maps a name onto [a-zA-Z_:][a-zA-Z0-9_:]* by replacing other characters with '_'.</summary>
    public static string MetricName(string name) => Sanitise(name, allowColon: true);

    /// <summary>Maps a name onto [a-zA-Z_][a-zA-Z0-9_]* by replacing other characters with '_'.</summary>
    public static string LabelName(string name) => Sanitise(name, allowColon: false);

    /// <summary>HELP text: backslash and line feed are escaped.</summary>
    public static string EscapeHelp(string text) => text.Replace("\\", "\\\\").Replace("\n", "\\n");

    /// <summary>Label values: backslash, double quote and line feed are escaped.</summary>
    public static string EscapeLabelValue(string text) =>
        text.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");

    private static string Sanitise(string name, bool allowColon)
    {
        if (name.Length == 0)
        {
            return "_";
        }

        var builder = new StringBuilder(name.Length + 1);
        if (char.IsAsciiDigit(name[0]))
        {
            builder.Append('_');
        }

        foreach (var c in name)
        {
            var valid = char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':');
            builder.Append(valid ? c : '_');
        }

        return builder.ToString();
    }
}
