using SkiaSharp;

namespace Kcm.Testing;

/// <summary>
/// A PNG file decoded with SkiaSharp, reduced to what chart tests assert on: its size, how many pixels differ from the
/// background (the top-left pixel's colour) and how many pixels have each colour.
/// </summary>
public sealed class PngPicture
{
    private readonly Dictionary<SKColor, int> _colours;

    private PngPicture(int width, int height, int drawn, Dictionary<SKColor, int> colours)
    {
        Width = width;
        Height = height;
        DrawnPixels = drawn;
        _colours = colours;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Pixels of another colour than the background.</summary>
    public int DrawnPixels { get; }

    public int DistinctColours => _colours.Count;

    public double DrawnFraction => (double)DrawnPixels / (Width * Height);

    public static PngPicture Read(string path)
    {
        using var bitmap = SKBitmap.Decode(path) ?? throw new InvalidDataException($"{path} is not an image SkiaSharp can decode.");
        var pixels = bitmap.Pixels;
        var background = pixels[0];
        var colours = new Dictionary<SKColor, int>();
        var drawn = 0;
        foreach (var pixel in pixels)
        {
            colours[pixel] = colours.GetValueOrDefault(pixel) + 1;
            drawn += pixel == background ? 0 : 1;
        }

        return new PngPicture(bitmap.Width, bitmap.Height, drawn, colours);
    }

    /// <summary>Pixels of exactly this opaque colour, given as <c>#RRGGBB</c>.</summary>
    public int PixelsOf(string hex) => _colours.GetValueOrDefault(SKColor.Parse(hex));
}
