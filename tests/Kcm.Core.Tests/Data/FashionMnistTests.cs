using System.Diagnostics;
using Kcm.Core.Data;
using Kcm.Testing;
using Xunit.Abstractions;

namespace Kcm.Core.Tests.Data;

/// <summary>Loads the real Fashion-MNIST files that ./kcm setup installs (Debian package dataset-fashion-mnist).</summary>
public sealed class FashionMnistTests(ITestOutputHelper output)
{
    [Fact]
    public void DefaultPaths_MatchTheDebianPackage()
    {
        Assert.Equal(FashionMnistFiles.TrainImages, FashionMnist.TrainImagesPath());
        Assert.Equal(FashionMnistFiles.TrainLabels, FashionMnist.TrainLabelsPath());
        Assert.Equal(FashionMnistFiles.TestImages, FashionMnist.TestImagesPath());
        Assert.Equal(FashionMnistFiles.TestLabels, FashionMnist.TestLabelsPath());
        Assert.True(FashionMnist.IsInstalled(), "Fashion-MNIST is missing: run ./kcm setup");
    }

    [Fact]
    public void LoadTrain_RealFiles_Gives60000BalancedImagesInUnitRangeWithoutStalling()
    {
        var stopwatch = Stopwatch.StartNew();
        var train = FashionMnist.LoadTrain();
        stopwatch.Stop();

        output.WriteLine($"LoadTrain took {stopwatch.Elapsed.TotalMilliseconds:F0} ms");
        AssertShape(train, FashionMnist.TrainCount, perClass: 6_000);
        // About 1 s of CPU on this machine; the bound is loose because the 2 cores are shared with other builds,
        // yet it still catches a per-pixel allocation or an unbuffered read, which take minutes.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"loading took {stopwatch.Elapsed}");
    }

    [Fact]
    public void LoadTest_RealFiles_Gives10000BalancedImagesInUnitRange()
    {
        var test = FashionMnist.LoadTest();

        AssertShape(test, FashionMnist.TestCount, perClass: 1_000);
        // The first test image is an ankle boot (label 9) in the published data set.
        Assert.Equal(9, test.Labels[0]);
    }

    [Fact]
    public void LoadTest_MissingFolder_ThrowsFileNotFoundPointingAtSetup()
    {
        var folder = Path.Combine(Path.GetTempPath(), "kcm-no-such-folder-" + Guid.NewGuid().ToString("N"));

        var error = Assert.Throws<FileNotFoundException>(() => FashionMnist.LoadTest(folder));

        Assert.Contains("./kcm setup", error.Message, StringComparison.Ordinal);
        Assert.Contains("dataset-fashion-mnist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClassNames_HasOneNamePerClass()
    {
        Assert.Equal(FashionMnist.ClassCount, FashionMnist.ClassNames.Count);
        Assert.Equal(FashionMnist.ClassCount, FashionMnist.ClassNames.Distinct().Count());
        Assert.Equal("Ankle boot", FashionMnist.ClassNames[9]);
    }

    private static void AssertShape(Dataset dataset, int count, int perClass)
    {
        Assert.Equal(count, dataset.Count);
        Assert.Equal(FashionMnist.PixelCount, dataset.FeatureCount);
        Assert.Equal(FashionMnist.ClassCount, dataset.ClassCount);
        Assert.Equal(count * FashionMnist.PixelCount, dataset.Features.Length);

        var counts = new int[FashionMnist.ClassCount];
        foreach (var label in dataset.Labels)
        {
            counts[label]++;
        }

        Assert.All(counts, c => Assert.Equal(perClass, c));

        var min = float.MaxValue;
        var max = float.MinValue;
        foreach (var value in dataset.Features)
        {
            min = Math.Min(min, value);
            max = Math.Max(max, value);
        }

        Assert.Equal(0f, min);
        Assert.Equal(1f, max);
    }
}
