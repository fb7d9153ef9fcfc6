using Kcm.Core.Data;

namespace Kcm.Cluster.Tests.Support;

/// <summary>Fashion-MNIST test images as request inputs (real data: Debian's dataset-fashion-mnist).</summary>
public static class TestImages
{
    private static readonly Lazy<Dataset> Test = new(() => FashionMnist.LoadTest());

    /// <summary><paramref name="count"/> images starting at <paramref name="first"/>, one array each.</summary>
    public static float[][] Take(int first, int count) =>
        [.. Enumerable.Range(first, count).Select(i => Test.Value.Row(i % Test.Value.Count).ToArray())];
}
