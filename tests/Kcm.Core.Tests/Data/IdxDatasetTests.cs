using Kcm.Core.Data;

namespace Kcm.Core.Tests.Data;

public sealed class IdxDatasetTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Load_MatchingFiles_GivesOneRowPerImageAndInfersClassCount()
    {
        var images = _folder.Write("i.idx.gz", IdxBytes.Gzip(IdxBytes.Images(3, 2, 2, i => (byte)(i * 20))));
        var labels = _folder.Write("l.idx", IdxBytes.Labels(2, 0, 4));

        var dataset = IdxDataset.Load(images, labels);

        Assert.Equal(3, dataset.Count);
        Assert.Equal(4, dataset.FeatureCount);
        Assert.Equal(5, dataset.ClassCount);
        Assert.Equal([2, 0, 4], dataset.Labels);
        Assert.Equal([80 / 255f, 100 / 255f, 120 / 255f, 140 / 255f], dataset.Row(1).ToArray());
    }

    [Fact]
    public void Load_GivenClassCount_UsesIt()
    {
        var images = _folder.Write("i.idx", IdxBytes.Images(2, 1, 1, _ => 0));
        var labels = _folder.Write("l.idx", IdxBytes.Labels(1, 0));

        Assert.Equal(10, IdxDataset.Load(images, labels, classCount: 10).ClassCount);
    }

    [Fact]
    public void Load_LabelAtOrAboveClassCount_ThrowsNamingLabelsFile()
    {
        var images = _folder.Write("i.idx", IdxBytes.Images(2, 1, 1, _ => 0));
        var labels = _folder.Write("l.idx", IdxBytes.Labels(1, 3));

        var error = Assert.Throws<DataFormatException>(() => IdxDataset.Load(images, labels, classCount: 3));

        Assert.Equal(labels, error.FilePath);
        Assert.Contains("label 3 of row 1", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LabelCountDiffersFromImageCount_ThrowsNamingBothFiles()
    {
        var images = _folder.Write("i.idx", IdxBytes.Images(3, 2, 2, _ => 0));
        var labels = _folder.Write("l.idx", IdxBytes.Labels(1, 2));

        var error = Assert.Throws<DataFormatException>(() => IdxDataset.Load(images, labels));

        Assert.Equal(labels, error.FilePath);
        Assert.Contains(images, error.Problem, StringComparison.Ordinal);
        Assert.Contains("2 labels", error.Problem, StringComparison.Ordinal);
        Assert.Contains("3 images", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ClassCountBelowOne_ThrowsArgumentOutOfRange()
    {
        var images = _folder.Write("i.idx", IdxBytes.Images(1, 1, 1, _ => 0));
        var labels = _folder.Write("l.idx", IdxBytes.Labels(0));

        Assert.Throws<ArgumentOutOfRangeException>(() => IdxDataset.Load(images, labels, classCount: 0));
    }
}
