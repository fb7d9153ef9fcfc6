namespace Kcm.Core.Data;

/// <summary>Checks on feature values that training and evaluation need before they start.</summary>
public static class FeatureChecks
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first NaN or infinite value (row and column, 1-based) of <paramref name="data"/>.</summary>
    public static void RequireFinite(Dataset data, string name)
    {
        ArgumentNullException.ThrowIfNull(data);
        var values = data.Features;
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException(
                    $"{name}: row {(i / data.FeatureCount) + 1}, feature column {(i % data.FeatureCount) + 1} is {values[i]}, not a finite number.");
            }
        }
    }
}
