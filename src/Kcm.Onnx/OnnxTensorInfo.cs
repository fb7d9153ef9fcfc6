namespace Kcm.Onnx;

/// <summary>A model input or output as the model declares it. Dynamic dimensions are -1, with their symbolic name if any.</summary>
public sealed class OnnxTensorInfo
{
    public OnnxTensorInfo(string name, OnnxElementType elementType, IReadOnlyList<long> shape, IReadOnlyList<string> symbolicDimensions)
    {
        if (shape.Count != symbolicDimensions.Count)
        {
            throw new ArgumentException("One symbolic name (or empty string) per dimension is required.", nameof(symbolicDimensions));
        }

        Name = name;
        ElementType = elementType;
        Shape = shape.ToArray().AsReadOnly();
        SymbolicDimensions = symbolicDimensions.ToArray().AsReadOnly();
    }

    public string Name { get; }

    public OnnxElementType ElementType { get; }

    /// <summary>Declared dimensions; -1 where the size is only known at run time.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The symbolic name of each dimension ("batch"), or an empty string where there is none.</summary>
    public IReadOnlyList<string> SymbolicDimensions { get; }

    public int Rank => Shape.Count;

    /// <summary>The shape as text, e.g. "[batch, 1, 28, 28]" (dynamic dimensions without a name show as "?").</summary>
    public string FormatShape()
    {
        var parts = new string[Shape.Count];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = Shape[i] >= 0 ? Shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture)
                : SymbolicDimensions[i].Length > 0 ? SymbolicDimensions[i] : "?";
        }

        return "[" + string.Join(", ", parts) + "]";
    }

    public override string ToString() => $"{Name}: {ElementType}{FormatShape()}";
}
