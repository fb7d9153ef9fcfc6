namespace Kcm.Onnx;

/// <summary>The model file given to <see cref="OnnxSessionLoader.Load(string, OnnxSessionOptions?)"/> does not exist.</summary>
public sealed class OnnxModelNotFoundException : FileNotFoundException
{
    public OnnxModelNotFoundException(string path)
        : base($"ONNX model file not found: {path}", path)
    {
    }
}
