using System.Globalization;

namespace Kcm.Contracts;

/// <summary>Formats and parses the <see cref="KcmHeaders.Shape"/> value "batch,features".</summary>
public static class ShapeHeader
{
    public static string Format(int batchSize, int featureCount) =>
        string.Create(CultureInfo.InvariantCulture, $"{batchSize},{featureCount}");

    /// <summary>Parses "batch,features" (spaces around the numbers allowed); both must be positive.</summary>
    public static bool TryParse(ReadOnlySpan<char> value, out int batchSize, out int featureCount)
    {
        batchSize = 0;
        featureCount = 0;
        var comma = value.IndexOf(',');
        if (comma < 0)
        {
            return false;
        }

        const NumberStyles Style = NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite;
        if (!int.TryParse(value[..comma], Style, CultureInfo.InvariantCulture, out var batch)
            || !int.TryParse(value[(comma + 1)..], Style, CultureInfo.InvariantCulture, out var features)
            || batch <= 0
            || features <= 0)
        {
            return false;
        }

        batchSize = batch;
        featureCount = features;
        return true;
    }
}
