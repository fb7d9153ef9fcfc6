using Kcm.Core.Data;

namespace Kcm.Core.Tests.Data;

public sealed class CsvDatasetReaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Read_NoHeader_ReadsLabelFirstAndFeatures()
    {
        var path = _folder.WriteText("d.csv", "1,0.5,2\n0,-1.25,3e2\n2, 4 ,5\n");

        var dataset = CsvDatasetReader.Read(path);

        Assert.Equal(3, dataset.Count);
        Assert.Equal(2, dataset.FeatureCount);
        Assert.Equal(3, dataset.ClassCount);
        Assert.Equal([1, 0, 2], dataset.Labels);
        Assert.Equal([0.5f, 2f, -1.25f, 300f, 4f, 5f], dataset.Features);
    }

    [Fact]
    public void Read_HeaderRow_IsDetectedAndSkipped()
    {
        var path = _folder.WriteText("d.csv", "label,x1,x2\r\n1,0.5,2\r\n\r\n0,1,3\r\n");

        var dataset = CsvDatasetReader.Read(path);

        Assert.Equal(2, dataset.Count);
        Assert.Equal([0.5f, 2f, 1f, 3f], dataset.Features);
    }

    [Fact]
    public void Read_HeaderForcedOff_TreatsFirstLineAsData()
    {
        var path = _folder.WriteText("d.csv", "label,x\n1,2\n");

        var error = Assert.Throws<DataFormatException>(() => CsvDatasetReader.Read(path, new CsvDatasetOptions { HasHeader = false }));

        Assert.Contains("line 1, column 1", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HeaderForcedOn_SkipsNumericFirstLine()
    {
        var path = _folder.WriteText("d.csv", "9,9\n1,2\n");

        var dataset = CsvDatasetReader.Read(path, new CsvDatasetOptions { HasHeader = true });

        Assert.Equal([1], dataset.Labels);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(-1)]
    public void Read_LabelColumnLast_TakesLabelsFromIt(int labelColumn)
    {
        var path = _folder.WriteText("d.csv", "0.1;0.2;3\n0.3;0.4;1\n");

        var dataset = CsvDatasetReader.Read(path, new CsvDatasetOptions { LabelColumn = labelColumn, Separator = ';' });

        Assert.Equal([3, 1], dataset.Labels);
        Assert.Equal([0.1f, 0.2f, 0.3f, 0.4f], dataset.Features);
    }

    [Fact]
    public void Read_GzipFile_IsDecompressed()
    {
        var path = _folder.Write("d.csv.gz", IdxBytes.Gzip("a,b\n1,2\n0,4\n"u8.ToArray()));

        Assert.Equal([2f, 4f], CsvDatasetReader.Read(path).Features);
    }

    [Fact]
    public void Read_NonNumericCell_ThrowsNamingLineAndColumn()
    {
        var path = _folder.WriteText("d.csv", "y,a,b\n1,2,3\n0,4,oops\n");

        var error = Assert.Throws<DataFormatException>(() => CsvDatasetReader.Read(path));

        Assert.Equal(path, error.FilePath);
        Assert.Contains("line 3, column 3", error.Problem, StringComparison.Ordinal);
        Assert.Contains("'oops'", error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("-1")]
    [InlineData("cat")]
    public void Read_LabelNotANonNegativeInteger_Throws(string label)
    {
        var path = _folder.WriteText("d.csv", $"1,2\n{label},3\n");

        var error = Assert.Throws<DataFormatException>(() => CsvDatasetReader.Read(path));

        Assert.Contains("line 2, column 1", error.Problem, StringComparison.Ordinal);
        Assert.Contains("label", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NotFiniteFeature_Throws()
    {
        var path = _folder.WriteText("d.csv", "1,2\n0,NaN\n");

        var error = Assert.Throws<DataFormatException>(() => CsvDatasetReader.Read(path));

        Assert.Contains("line 2, column 2", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_InconsistentColumnCount_ThrowsNamingLineAndCounts()
    {
        var path = _folder.WriteText("d.csv", "1,2,3\n0,1,2\n1,2\n");

        var error = Assert.Throws<DataFormatException>(() => CsvDatasetReader.Read(path));

        Assert.Contains("line 3 has 2 columns, expected 3", error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n  \n")]
    public void Read_EmptyFile_Throws(string text)
    {
        var path = _folder.WriteText("d.csv", text);

        var error = Assert.Throws<DataFormatException>(() => CsvDatasetReader.Read(path));

        Assert.Contains("empty", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_HeaderOnly_ThrowsNoDataRows()
    {
        var path = _folder.WriteText("d.csv", "label,x\n");

        var error = Assert.Throws<DataFormatException>(() => CsvDatasetReader.Read(path));

        Assert.Contains("no data rows", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_SingleColumn_Throws()
    {
        var path = _folder.WriteText("d.csv", "1\n2\n");

        var error = Assert.Throws<DataFormatException>(() => CsvDatasetReader.Read(path));

        Assert.Contains("at least one feature column", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_LabelColumnOutOfRange_Throws()
    {
        var path = _folder.WriteText("d.csv", "1,2\n");

        var error = Assert.Throws<DataFormatException>(() => CsvDatasetReader.Read(path, new CsvDatasetOptions { LabelColumn = 5 }));

        Assert.Contains("label column 5", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_LabelAboveGivenClassCount_Throws()
    {
        var path = _folder.WriteText("d.csv", "1,2\n4,3\n");

        var error = Assert.Throws<DataFormatException>(() => CsvDatasetReader.Read(path, new CsvDatasetOptions { ClassCount = 4 }));

        Assert.Contains("label 4 of row 1", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeveralBadFields_NamesEachOfThem()
    {
        var options = new CsvDatasetOptions { Separator = '.', ClassCount = 0 };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains(nameof(CsvDatasetOptions.Separator), error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(CsvDatasetOptions.ClassCount), error.Message, StringComparison.Ordinal);
    }
}
