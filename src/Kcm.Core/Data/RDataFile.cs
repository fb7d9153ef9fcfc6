using System.ComponentModel;
using System.Diagnostics;
using System.IO.Compression;

namespace Kcm.Core.Data;

/// <summary>
/// Reads a data frame from an R data file (.rda/.RData, as R packages such as Debian's r-cran-mlbench ship their data
/// sets) into a <see cref="Dataset"/>: the label is a factor column (its level codes become classes 0..levels-1), every
/// other column must be numeric (real, integer or logical) and becomes a feature. gzip is read in process; xz and
/// bzip2 (R's other compressions) are decompressed by the system's <c>xz</c> / <c>bzip2</c> programs.
/// </summary>
public static class RDataFile
{
    private static ReadOnlySpan<byte> XzMagic => [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00];

    private static ReadOnlySpan<byte> Bzip2Magic => "BZh"u8;

    /// <summary>
    /// The data frame <paramref name="objectName"/> (null: the file's first data frame) with <paramref name="labelColumn"/>
    /// as the label (null: its one factor column).
    /// </summary>
    public static Dataset Read(string path, string? labelColumn = null, string? objectName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = OpenDecompressed(path);
        Span<byte> magic = stackalloc byte[5];
        if (DataFileStream.ReadFully(stream, magic, path) != 5 || !(magic.SequenceEqual("RDX2\n"u8) || magic.SequenceEqual("RDX3\n"u8)))
        {
            throw new DataFormatException(path, "not an R data file (no RDX2/RDX3 header after decompression)");
        }

        var top = new RSerializationReader(stream, path).ReadTopLevel();
        if (top.Values is not RValue[] objects || top.Tags is not { } names)
        {
            throw new DataFormatException(path, "the R data file holds no named objects");
        }

        for (var i = 0; i < objects.Length; i++)
        {
            if ((objectName is null && objects[i].HasClass("data.frame")) || (objectName is not null && names[i] == objectName))
            {
                return ToDataset(objects[i], names[i] ?? "?", labelColumn, path);
            }
        }

        throw new DataFormatException(
            path, objectName is null ? "holds no data frame" : $"holds no object '{objectName}' (it has {string.Join(", ", names)})");
    }

    private static Dataset ToDataset(RValue frame, string name, string? labelColumn, string path)
    {
        if (!frame.HasClass("data.frame") || frame.Values is not RValue[] columns
            || !frame.Attributes.TryGetValue("names", out var namesValue) || namesValue.Values is not string?[] columnNames)
        {
            throw new DataFormatException(path, $"'{name}' is not a data frame");
        }

        var labelIndex = -1;
        if (labelColumn is not null)
        {
            labelIndex = Array.IndexOf(columnNames, labelColumn);
            if (labelIndex < 0)
            {
                throw new DataFormatException(path, $"'{name}' has no column '{labelColumn}' (columns: {string.Join(", ", columnNames)})");
            }
        }
        else
        {
            var factors = Enumerable.Range(0, columns.Length).Where(c => columns[c].HasClass("factor")).ToArray();
            if (factors.Length != 1)
            {
                throw new DataFormatException(
                    path, $"'{name}' has {factors.Length} factor columns; name the label column ({string.Join(", ", columnNames)})");
            }

            labelIndex = factors[0];
        }

        var label = columns[labelIndex];
        if (!label.HasClass("factor") || label.Values is not int[] codes
            || !label.Attributes.TryGetValue("levels", out var levels) || levels.Values is not string?[] levelNames)
        {
            throw new DataFormatException(path, $"label column '{columnNames[labelIndex]}' of '{name}' is not a factor");
        }

        var rows = codes.Length;
        var labels = new int[rows];
        for (var r = 0; r < rows; r++)
        {
            if (codes[r] == RValue.NaInteger || codes[r] < 1 || codes[r] > levelNames.Length)
            {
                throw new DataFormatException(path, $"row {r + 1} of '{name}' has no valid label (NA or code {codes[r]})");
            }

            labels[r] = codes[r] - 1;
        }

        var featureCount = columns.Length - 1;
        if (featureCount < 1)
        {
            throw new DataFormatException(path, $"'{name}' has no feature column besides the label");
        }

        var features = new float[rows * featureCount];
        var f = 0;
        for (var c = 0; c < columns.Length; c++)
        {
            if (c == labelIndex)
            {
                continue;
            }

            CopyColumn(columns[c], columnNames[c] ?? $"#{c + 1}", rows, features, f, featureCount, path);
            f++;
        }

        return new Dataset(features, labels, featureCount, levelNames.Length);
    }

    private static void CopyColumn(RValue column, string columnName, int rows, float[] features, int feature, int featureCount, string path)
    {
        if (column.HasClass("factor"))
        {
            throw new DataFormatException(path, $"column '{columnName}' is categorical (a factor); only numeric feature columns are supported");
        }

        switch (column.Values)
        {
            case double[] reals when reals.Length == rows:
                for (var r = 0; r < rows; r++)
                {
                    var value = (float)reals[r];
                    if (!float.IsFinite(value))
                    {
                        throw new DataFormatException(path, $"column '{columnName}', row {r + 1}: {(double.IsNaN(reals[r]) ? "NA" : reals[r].ToString(System.Globalization.CultureInfo.InvariantCulture))} is not a finite number");
                    }

                    features[(r * featureCount) + feature] = value;
                }

                break;
            case int[] integers when integers.Length == rows:
                for (var r = 0; r < rows; r++)
                {
                    if (integers[r] == RValue.NaInteger)
                    {
                        throw new DataFormatException(path, $"column '{columnName}', row {r + 1}: NA is not a number");
                    }

                    features[(r * featureCount) + feature] = integers[r];
                }

                break;
            default:
                throw new DataFormatException(path, $"column '{columnName}' is not numeric (or has the wrong length)");
        }
    }

    private static Stream OpenDecompressed(string path)
    {
        var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[6];
        var read = file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        file.Position = 0;
        if (read >= 2 && magic[0] == 0x1F && magic[1] == 0x8B)
        {
            return new GZipStream(file, CompressionMode.Decompress);
        }

        if (read == 6 && magic.SequenceEqual(XzMagic))
        {
            file.Dispose();
            return Decompress("xz", path);
        }

        if (read >= 3 && magic[..3].SequenceEqual(Bzip2Magic))
        {
            file.Dispose();
            return Decompress("bzip2", path);
        }

        return file;
    }

    private static MemoryStream Decompress(string program, string path)
    {
        // .NET has no xz or bzip2 decoder; Debian's xz-utils and bzip2 are on every machine that has R's data.
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-dc");
        start.ArgumentList.Add("--");
        start.ArgumentList.Add(path);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new DataFormatException(path, $"could not start '{program}' to decompress it");
        }
        catch (Win32Exception e)
        {
            throw new DataFormatException(path, $"is {program}-compressed and the '{program}' program is missing (apt-get install {(program == "xz" ? "xz-utils" : program)})", e);
        }

        using (process)
        {
            var output = new MemoryStream();
            var error = process.StandardError.ReadToEndAsync();
            process.StandardOutput.BaseStream.CopyTo(output);
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new DataFormatException(path, $"'{program} -dc' failed ({process.ExitCode}): {error.Result.Trim()}");
            }

            output.Position = 0;
            return output;
        }
    }
}
