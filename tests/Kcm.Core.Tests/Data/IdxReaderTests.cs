using Kcm.Core.Data;

namespace Kcm.Core.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadImages_WellFormedFile_ReturnsShapeAndPixelsOver255(bool gzip)
    {
        var bytes = IdxBytes.Images(3, 2, 4, i => (byte)(i * 10));
        var path = _folder.Write("images.idx", gzip ? IdxBytes.Gzip(bytes) : bytes);

        var images = IdxReader.ReadImages(path);

        Assert.Equal(3, images.Count);
        Assert.Equal(2, images.Rows);
        Assert.Equal(4, images.Columns);
        Assert.Equal(8, images.PixelsPerImage);
        Assert.Equal(24, images.Pixels.Length);
        for (var i = 0; i < 24; i++)
        {
            Assert.Equal((byte)(i * 10) / 255f, images.Pixels[i]);
        }
    }

    [Fact]
    public void ReadImages_AllByteValues_MapToZeroToOneInclusive()
    {
        var path = _folder.Write("all.idx", IdxBytes.Images(1, 16, 16, i => (byte)i));

        var pixels = IdxReader.ReadImages(path).Pixels;

        Assert.Equal(0f, pixels[0]);
        Assert.Equal(1f, pixels[255]);
        Assert.All(pixels.Zip(pixels.Skip(1)), pair => Assert.True(pair.First < pair.Second));
    }

    [Fact]
    public void ReadImages_MoreThanOneChunk_ReadsEveryPixel()
    {
        // 300 images of 28x28 = 235,200 bytes: several 64 KiB chunks, the last one partial.
        var path = _folder.Write("big.idx.gz", IdxBytes.Gzip(IdxBytes.Images(300, 28, 28, i => (byte)(i % 251))));

        var pixels = IdxReader.ReadImages(path).Pixels;

        Assert.Equal(300 * 784, pixels.Length);
        for (var i = 0; i < pixels.Length; i += 997)
        {
            Assert.Equal((byte)(i % 251) / 255f, pixels[i]);
        }

        Assert.Equal((byte)((pixels.Length - 1) % 251) / 255f, pixels[^1]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadLabels_WellFormedFile_ReturnsLabels(bool gzip)
    {
        var bytes = IdxBytes.Labels(3, 0, 9, 255);
        var path = _folder.Write("labels.idx", gzip ? IdxBytes.Gzip(bytes) : bytes);

        Assert.Equal([3, 0, 9, 255], IdxReader.ReadLabels(path));
    }

    [Fact]
    public void ReadImages_EmptyFile_ThrowsNamingFileAndEmptiness()
    {
        var path = _folder.Write("empty.idx", []);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Equal(path, error.FilePath);
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadLabels_EmptyGzipPayload_ThrowsEmpty()
    {
        var path = _folder.Write("empty.idx.gz", IdxBytes.Gzip([]));

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));

        Assert.Contains("empty", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImages_BadMagic_ThrowsBadMagic()
    {
        var bytes = IdxBytes.Images(1, 2, 2, _ => 1);
        bytes[1] = 0x42;
        var path = _folder.Write("magic.idx", bytes);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Contains("bad magic", error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x0D, "float32")]
    [InlineData(0x0C, "int32")]
    [InlineData(0x09, "signed byte")]
    public void ReadImages_UnsupportedElementType_ThrowsNamingTheType(byte type, string typeName)
    {
        var path = _folder.Write("type.idx", IdxBytes.Build(type, [1, 2, 2], new byte[16]));

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Contains("unsupported element type", error.Problem, StringComparison.Ordinal);
        Assert.Contains(typeName, error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImages_LabelFileGiven_ThrowsWrongDimensionCount()
    {
        var path = _folder.Write("labels.idx", IdxBytes.Labels(1, 2, 3));

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Contains("has 1 dimensions", error.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadImages_TruncatedPixelData_ThrowsTruncatedWithCounts(bool gzip)
    {
        var bytes = IdxBytes.Images(4, 3, 3, i => (byte)i)[..^5];
        var path = _folder.Write("short.idx", gzip ? IdxBytes.Gzip(bytes) : bytes);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Contains("truncated", error.Problem, StringComparison.Ordinal);
        Assert.Contains("36", error.Problem, StringComparison.Ordinal);
        Assert.Contains("31", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImages_PlainFileDeclaringMillionsOfImages_ThrowsTruncatedBeforeAllocating()
    {
        var path = _folder.Write("huge.idx", IdxBytes.Build(IdxBytes.UnsignedByte, [2_000_000, 28, 28], new byte[100]));
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Contains("truncated", error.Problem, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore < 10_000_000, "allocated the declared size before checking it");
    }

    [Fact]
    public void ReadImages_TruncatedHeader_ThrowsTruncated()
    {
        var path = _folder.Write("header.idx", IdxBytes.Images(4, 3, 3, i => (byte)i)[..10]);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Contains("truncated", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadLabels_TruncatedData_ThrowsTruncated()
    {
        var path = _folder.Write("labels.idx", IdxBytes.Labels(1, 2, 3, 4)[..^1]);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));

        Assert.Contains("truncated", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadLabels_TrailingBytes_Throws()
    {
        var path = _folder.Write("labels.idx", [.. IdxBytes.Labels(1, 2), 7]);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));

        Assert.Contains("trailing", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadImages_CorruptGzip_ThrowsDataFormatException()
    {
        var bytes = IdxBytes.Gzip(IdxBytes.Images(50, 28, 28, i => (byte)(i * 7)));
        for (var i = 20; i < bytes.Length - 10; i++)
        {
            bytes[i] ^= 0x5A;
        }

        var path = _folder.Write("corrupt.idx.gz", bytes);

        Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
    }

    [Fact]
    public void ReadImages_MissingFile_ThrowsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => IdxReader.ReadImages(System.IO.Path.Combine(_folder.Path, "absent.idx")));
    }
}
