namespace Kcm.Core.Data;

/// <summary>
/// Images read from an idx3 file: <see cref="Count"/> images of <see cref="Rows"/> x <see cref="Columns"/> pixels,
/// row-major, each pixel scaled from [0, 255] to [0, 1] as <c>value / 255f</c>.
/// </summary>
public sealed class IdxImages
{
    public IdxImages(float[] pixels, int count, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        if (pixels.Length != (long)count * rows * columns)
        {
            throw new ArgumentException($"Pixel array has {pixels.Length} values, expected {count} x {rows} x {columns}.", nameof(pixels));
        }

        Pixels = pixels;
        Count = count;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>All pixels, image after image; image i starts at <c>i * PixelsPerImage</c>.</summary>
    public float[] Pixels { get; }

    public int Count { get; }

    public int Rows { get; }

    public int Columns { get; }

    public int PixelsPerImage => Rows * Columns;
}
