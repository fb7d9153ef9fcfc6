namespace Kcm.Core.Data;

/// <summary>Loads a <see cref="Dataset"/> from a pair of IDX files: idx3 images (features) and idx1 labels.</summary>
public static class IdxDataset
{
    /// <summary>
    /// Reads images and labels; each image becomes one row of <c>rows x columns</c> features in [0, 1].
    /// <paramref name="classCount"/> defaults to the largest label + 1; when given, every label must be below it.
    /// </summary>
    public static Dataset Load(string imagesPath, string labelsPath, int? classCount = null)
    {
        if (classCount is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "classCount must be at least 1.");
        }

        var images = IdxReader.ReadImages(imagesPath);
        var labels = IdxReader.ReadLabels(labelsPath);
        if (labels.Length != images.Count)
        {
            throw new DataFormatException(labelsPath, $"has {labels.Length} labels but {imagesPath} has {images.Count} images");
        }

        return new Dataset(images.Pixels, labels, images.PixelsPerImage, LabelRange.Check(labels, classCount, labelsPath));
    }
}
