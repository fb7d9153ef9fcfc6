using Kcm.Core.Data;

namespace Kcm.Grains.Tests.Support;

/// <summary>Fashion-MNIST test images, loaded once.</summary>
public static class TestImages
{
    private static readonly Lazy<Dataset> Test = new(() => FashionMnist.LoadTest());

    /// <summary>The first <paramref name="count"/> test images from <paramref name="start"/>, row-major.</summary>
    public static float[] Rows(int start, int count) => Test.Value.Features.AsSpan(start * FashionMnist.PixelCount, count * FashionMnist.PixelCount).ToArray();
}
