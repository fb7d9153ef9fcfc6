namespace Kcm.Onnx;

/// <summary>A named float32 output copied out of ONNX Runtime, with the shape it produced.</summary>
public sealed class OnnxOutputTensor
{
    public OnnxOutputTensor(string name, IReadOnlyList<long> shape, float[] values)
    {
        Name = name;
        Shape = shape.ToArray().AsReadOnly();
        Values = values;
    }

    public string Name { get; }

    public IReadOnlyList<long> Shape { get; }

    /// <summary>Row-major values; owned by the caller.</summary>
    public float[] Values { get; }
}
