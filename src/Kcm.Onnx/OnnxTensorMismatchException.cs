namespace Kcm.Onnx;

/// <summary>A tensor handed to a session does not fit what the model declares (name, element type, shape or element count).</summary>
public sealed class OnnxTensorMismatchException : ArgumentException
{
    public OnnxTensorMismatchException(string tensorName, string expected, string actual)
        : base($"Tensor '{tensorName}': expected {expected}, got {actual}.")
    {
        TensorName = tensorName;
        Expected = expected;
        Actual = actual;
    }

    public string TensorName { get; }

    public string Expected { get; }

    public string Actual { get; }
}
