using System.Collections.ObjectModel;

namespace Kcm.Core.Data;

/// <summary>
/// Fashion-MNIST as Debian's dataset-fashion-mnist package installs it (gzip IDX files): 60,000 training and
/// 10,000 test images of 28 x 28 grey pixels in 10 classes. Features are pixels / 255 in [0, 1].
/// </summary>
public static class FashionMnist
{
    /// <summary>Where the Debian package puts the files.</summary>
    public const string DefaultFolder = "/usr/share/datasets/fashion-mnist";

    public const int ImageSide = 28;
    public const int PixelCount = ImageSide * ImageSide;
    public const int ClassCount = 10;
    public const int TrainCount = 60_000;
    public const int TestCount = 10_000;

    /// <summary>Class names by label index.</summary>
    public static ReadOnlyCollection<string> ClassNames { get; } = Array.AsReadOnly(
    [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]);

    public static string TrainImagesPath(string folder = DefaultFolder) => Path.Combine(folder, "train-images-idx3-ubyte.gz");

    public static string TrainLabelsPath(string folder = DefaultFolder) => Path.Combine(folder, "train-labels-idx1-ubyte.gz");

    public static string TestImagesPath(string folder = DefaultFolder) => Path.Combine(folder, "t10k-images-idx3-ubyte.gz");

    public static string TestLabelsPath(string folder = DefaultFolder) => Path.Combine(folder, "t10k-labels-idx1-ubyte.gz");

    /// <summary>Whether all four files are present in <paramref name="folder"/>.</summary>
    public static bool IsInstalled(string folder = DefaultFolder) =>
        File.Exists(TrainImagesPath(folder)) && File.Exists(TrainLabelsPath(folder))
        && File.Exists(TestImagesPath(folder)) && File.Exists(TestLabelsPath(folder));

    /// <summary>The 60,000 training images.</summary>
    public static Dataset LoadTrain(string folder = DefaultFolder) => Load(TrainImagesPath(folder), TrainLabelsPath(folder));

    /// <summary>The 10,000 test images.</summary>
    public static Dataset LoadTest(string folder = DefaultFolder) => Load(TestImagesPath(folder), TestLabelsPath(folder));

    private static Dataset Load(string imagesPath, string labelsPath)
    {
        foreach (var path in (ReadOnlySpan<string>)[imagesPath, labelsPath])
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException(
                    $"Fashion-MNIST is not installed: {path} is missing. Run ./kcm setup (it installs the Debian package dataset-fashion-mnist).",
                    path);
            }
        }

        var dataset = IdxDataset.Load(imagesPath, labelsPath, ClassCount);
        if (dataset.FeatureCount != PixelCount)
        {
            throw new DataFormatException(imagesPath, $"images have {dataset.FeatureCount} pixels, expected {ImageSide} x {ImageSide}");
        }

        return dataset;
    }
}
