using System.Globalization;

namespace Kcm.Core.Data;

/// <summary>
/// Loads a data set named by one path: a CSV file (.csv or .csv.gz; label in the first column unless told), an R data
/// file (.rda or .RData; its data frame's factor column is the label unless named), or an IDX images file whose labels
/// sit beside it under the same name with "images-idx3" replaced by "labels-idx1" (the MNIST naming).
/// </summary>
public static class DatasetFiles
{
    /// <param name="path">The file.</param>
    /// <param name="classCount">The class count, when known (labels must be below it).</param>
    /// <param name="labelColumn">CSV: the label column's zero-based index, negative from the end (-1 = last); R: the label column's name.</param>
    public static Dataset Load(string path, int? classCount = null, string? labelColumn = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase))
        {
            var column = 0;
            if (labelColumn is not null && !int.TryParse(labelColumn, NumberStyles.Integer, CultureInfo.InvariantCulture, out column))
            {
                throw new ArgumentException($"The label column of a CSV file is an index (0 = first, -1 = last), not '{labelColumn}'.", nameof(labelColumn));
            }

            return CsvDatasetReader.Read(path, new CsvDatasetOptions { ClassCount = classCount, LabelColumn = column });
        }

        if (path.EndsWith(".rda", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".rdata", StringComparison.OrdinalIgnoreCase))
        {
            var data = RDataFile.Read(path, labelColumn);
            if (classCount is { } count && data.ClassCount > count)
            {
                throw new DataFormatException(path, $"has {data.ClassCount} classes, more than {count}");
            }

            return data;
        }

        var name = Path.GetFileName(path);
        if (!name.Contains("images-idx3", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{path}' is neither a .csv, .rda or .RData file nor an IDX images file named *images-idx3*.", nameof(path));
        }

        var labels = Path.Combine(Path.GetDirectoryName(path) ?? ".", name.Replace("images-idx3", "labels-idx1", StringComparison.Ordinal));
        return IdxDataset.Load(path, labels, classCount);
    }
}
