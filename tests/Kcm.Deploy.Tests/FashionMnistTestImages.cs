using System.IO.Compression;
using Kcm.Testing;

namespace Kcm.Deploy.Tests;

/// <summary>The first images of Fashion-MNIST's test set as pixel rows scaled to [0, 1], the silo's JSON input.</summary>
public static class FashionMnistTestImages
{
    private const int Pixels = 28 * 28;
    private const int HeaderBytes = 16;

    public static float[][] Read(int count)
    {
        using var file = File.OpenRead(FashionMnistFiles.TestImages);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        var bytes = new byte[HeaderBytes + (count * Pixels)];
        gzip.ReadExactly(bytes);
        return [.. Enumerable.Range(0, count).Select(i => bytes.AsSpan(HeaderBytes + (i * Pixels), Pixels).ToArray().Select(b => b / 255f).ToArray())];
    }
}
