namespace Kcm.Client;

/// <summary>Client-side checks of call arguments, so a malformed call fails here with the field named, not after a network hop.</summary>
internal static class ClientArguments
{
    /// <summary>A model or ensemble name: not empty, no white space at its ends.</summary>
    public static void CheckName(string name, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(name, parameterName);
        if (name.Length == 0 || name.Trim().Length != name.Length)
        {
            throw new ArgumentException($"The name must not be empty or start or end with white space (was '{name}').", parameterName);
        }
    }

    /// <summary>A batch: at least one row, a length that is a positive multiple of the rows, every value finite.</summary>
    public static void CheckBatch(float[] features, int rows)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (rows < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, "A batch has at least one row.");
        }

        if (features.Length == 0 || features.Length % rows != 0)
        {
            throw new ArgumentException(
                $"The features must be rows x features per row: {features.Length} values do not split into {rows} rows of equal, non-zero length.",
                nameof(features));
        }

        var index = FirstNonFinite(features);
        if (index >= 0)
        {
            var perRow = features.Length / rows;
            throw new ArgumentException(
                $"The features must be finite: row {index / perRow}, feature {index % perRow} is {features[index]}.", nameof(features));
        }
    }

    private static int FirstNonFinite(float[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
