namespace Kcm.Core.Data;

/// <summary>Works out or checks the class count of a label array.</summary>
internal static class LabelRange
{
    /// <summary>
    /// Returns <paramref name="classCount"/> when every label is in [0, classCount), or the largest label + 1 when it is null
    /// (1 for no labels, since a data set has at least one class).
    /// </summary>
    public static int Check(ReadOnlySpan<int> labels, int? classCount, string path)
    {
        var largest = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            var label = labels[i];
            if (label < 0 || label >= classCount)
            {
                var range = classCount is null ? "negative" : $"outside [0, {classCount})";
                throw new DataFormatException(path, $"label {label} of row {i} is {range}");
            }

            largest = Math.Max(largest, label);
        }

        return classCount ?? largest + 1;
    }
}
