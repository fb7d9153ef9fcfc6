using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace Kcm.Onnx;

/// <summary>Shapes as text for error messages, e.g. "[batch, 1, 28, 28]".</summary>
public static class OnnxShape
{
    /// <summary>A declared shape: dynamic dimensions show their symbolic name, or "?" when they have none.</summary>
    public static string Format(NodeMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var dimensions = metadata.Dimensions;
        var symbols = metadata.SymbolicDimensions;
        var parts = new string[dimensions.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = dimensions[i] >= 0 ? dimensions[i].ToString(CultureInfo.InvariantCulture)
                : i < symbols.Length && symbols[i].Length > 0 ? symbols[i] : "?";
        }

        return "[" + string.Join(", ", parts) + "]";
    }

    /// <summary>A concrete shape.</summary>
    public static string Format(ReadOnlySpan<long> shape)
    {
        var parts = new string[shape.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = shape[i].ToString(CultureInfo.InvariantCulture);
        }

        return "[" + string.Join(", ", parts) + "]";
    }
}
