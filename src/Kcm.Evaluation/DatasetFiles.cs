using Kcm.Core.Data;

namespace Kcm.Evaluation;

/// <summary>
/// Loads a data set named by one path: a CSV file (.csv or .csv.gz, label in the first column) or an IDX images file
/// whose labels sit beside it under the same name with "images-idx3" replaced by "labels-idx1" (the MNIST naming).
/// </summary>
public static class DatasetFiles
{
    public static Dataset Load(string path, int? classCount = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase))
        {
            return CsvDatasetReader.Read(path, new CsvDatasetOptions { ClassCount = classCount });
        }

        var name = Path.GetFileName(path);
        if (!name.Contains("images-idx3", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{path}' is neither a .csv file nor an IDX images file named *images-idx3*.", nameof(path));
        }

        var labels = Path.Combine(Path.GetDirectoryName(path) ?? ".", name.Replace("images-idx3", "labels-idx1", StringComparison.Ordinal));
        return IdxDataset.Load(path, labels, classCount);
    }
}
