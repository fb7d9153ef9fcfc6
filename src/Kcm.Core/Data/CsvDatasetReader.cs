using System.Globalization;

namespace Kcm.Core.Data;

/// <summary>
/// Reads a numeric CSV file (plain or gzip-compressed) into a <see cref="Dataset"/>: one column holds the class label
/// (a non-negative integer), every other column is a float feature. Blank lines are skipped; quoting is not supported
/// (cells are numbers). Errors name the file, the line and the column (both 1-based).
/// </summary>
public static class CsvDatasetReader
{
    public static Dataset Read(string path, CsvDatasetOptions? options = null)
    {
        options ??= new CsvDatasetOptions();
        options.Validate();

        using var stream = DataFileStream.Open(path);
        using var reader = new StreamReader(stream);
        var features = new List<float>();
        var labels = new List<int>();
        var columnCount = 0;
        var labelColumn = 0;
        var lineNumber = 0;
        var sawHeader = false;
        while (ReadLine(reader, path) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (columnCount == 0)
            {
                columnCount = CountColumns(line, options.Separator);
                if (columnCount < 2)
                {
                    throw new DataFormatException(path, $"line {lineNumber} has {columnCount} column; a data set needs a label column and at least one feature column");
                }

                labelColumn = options.LabelColumn < 0 ? columnCount + options.LabelColumn : options.LabelColumn;
                if (labelColumn < 0 || labelColumn >= columnCount)
                {
                    throw new DataFormatException(path, $"label column {options.LabelColumn} does not exist: the file has {columnCount} columns");
                }

                if (options.HasHeader ?? LooksLikeHeader(line, options.Separator))
                {
                    sawHeader = true;
                    continue;
                }
            }

            ParseRow(line, lineNumber, columnCount, labelColumn, options.Separator, path, features, labels);
        }

        if (labels.Count == 0)
        {
            throw new DataFormatException(path, sawHeader ? "has a header but no data rows" : "file is empty (no data rows)");
        }

        var labelArray = labels.ToArray();
        var classCount = LabelRange.Check(labelArray, options.ClassCount, path);
        return new Dataset(features.ToArray(), labelArray, columnCount - 1, classCount);
    }

    private static string? ReadLine(StreamReader reader, string path)
    {
        try
        {
            return reader.ReadLine();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, $"corrupt gzip data ({e.Message})", e);
        }
    }

    private static void ParseRow(
        string line, int lineNumber, int columnCount, int labelColumn, char separator, string path, List<float> features, List<int> labels)
    {
        var found = CountColumns(line, separator);
        if (found != columnCount)
        {
            throw new DataFormatException(path, $"line {lineNumber} has {found} columns, expected {columnCount} like the first line");
        }

        var rest = line.AsSpan();
        for (var column = 0; column < columnCount; column++)
        {
            var end = rest.IndexOf(separator);
            var cell = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (column == labelColumn)
            {
                if (!int.TryParse(cell, NumberStyles.Integer, CultureInfo.InvariantCulture, out var label) || label < 0)
                {
                    throw new DataFormatException(path, $"line {lineNumber}, column {column + 1}: label '{cell.Trim()}' is not a non-negative integer");
                }

                labels.Add(label);
            }
            else
            {
                if (!float.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !float.IsFinite(value))
                {
                    throw new DataFormatException(path, $"line {lineNumber}, column {column + 1}: '{cell.Trim()}' is not a finite number");
                }

                features.Add(value);
            }
        }
    }

    private static bool LooksLikeHeader(string line, char separator)
    {
        foreach (var range in line.AsSpan().Split(separator))
        {
            if (!double.TryParse(line.AsSpan()[range], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                return true;
            }
        }

        return false;
    }

    private static int CountColumns(string line, char separator) => line.AsSpan().Count(separator) + 1;
}
