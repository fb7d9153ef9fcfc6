namespace Kcm.Onnx;

/// <summary>Invalid <see cref="OnnxSessionOptions"/>; lists every bad field at once.</summary>
public sealed class OnnxOptionsException : ArgumentException
{
    public OnnxOptionsException(IReadOnlyList<string> errors)
        : base("Invalid ONNX session options: " + string.Join("; ", errors))
    {
        Errors = errors;
    }

    /// <summary>One entry per bad field, each starting with the field's name.</summary>
    public IReadOnlyList<string> Errors { get; }
}
