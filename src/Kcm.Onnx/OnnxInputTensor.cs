using System.Buffers;
using System.Globalization;

namespace Kcm.Onnx;

/// <summary>A named input for <see cref="OnnxSession.Run(IReadOnlyList{OnnxInputTensor}, IReadOnlyList{string}?)"/>: float32 or int64 data over caller memory (not copied).</summary>
public sealed class OnnxInputTensor
{
    private readonly ReadOnlyMemory<float> _floats;
    private readonly ReadOnlyMemory<long> _longs;

    private OnnxInputTensor(string name, OnnxElementType elementType, ReadOnlyMemory<float> floats, ReadOnlyMemory<long> longs, ReadOnlySpan<long> shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        ElementType = elementType;
        _floats = floats;
        _longs = longs;
        var length = elementType == OnnxElementType.Float ? floats.Length : longs.Length;
        long count = 1;
        foreach (var dimension in shape)
        {
            if (dimension < 0)
            {
                throw new OnnxTensorMismatchException(name, "non-negative dimensions", FormatShape(shape));
            }

            count = checked(count * dimension);
        }

        if (count != length)
        {
            throw new OnnxTensorMismatchException(name, $"{count} elements for shape {FormatShape(shape)}", $"{length} elements");
        }

        Shape = shape.ToArray().AsReadOnly();
    }

    public string Name { get; }

    public OnnxElementType ElementType { get; }

    public IReadOnlyList<long> Shape { get; }

    /// <summary>A float32 tensor; <paramref name="data"/> length must equal the product of <paramref name="shape"/>.</summary>
    public static OnnxInputTensor Float(string name, ReadOnlyMemory<float> data, params ReadOnlySpan<long> shape) =>
        new(name, OnnxElementType.Float, data, default, shape);

    /// <summary>An int64 tensor (e.g. token ids); <paramref name="data"/> length must equal the product of <paramref name="shape"/>.</summary>
    public static OnnxInputTensor Int64(string name, ReadOnlyMemory<long> data, params ReadOnlySpan<long> shape) =>
        new(name, OnnxElementType.Int64, default, data, shape);

    internal static string FormatShape(ReadOnlySpan<long> shape)
    {
        var parts = new string[shape.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = shape[i].ToString(CultureInfo.InvariantCulture);
        }

        return "[" + string.Join(", ", parts) + "]";
    }

    /// <summary>Pins the data for the lifetime of the native value built over it.</summary>
    internal MemoryHandle Pin(out nuint byteLength)
    {
        if (ElementType == OnnxElementType.Float)
        {
            byteLength = (nuint)(_floats.Length * sizeof(float));
            return _floats.Pin();
        }

        byteLength = (nuint)(_longs.Length * sizeof(long));
        return _longs.Pin();
    }
}
