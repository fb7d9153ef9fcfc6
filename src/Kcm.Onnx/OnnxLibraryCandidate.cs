namespace Kcm.Onnx;

/// <summary>One place the resolver looks for the native library, and which setting or rule produced it.</summary>
public sealed record OnnxLibraryCandidate(string Source, string Path)
{
    public override string ToString() => $"{Path} (from {Source})";
}
