namespace Kcm.Onnx;

/// <summary>Where a session runs. CUDA is opt-in and fails loudly when unavailable; it never falls back to CPU.</summary>
public enum OnnxExecutionProvider
{
    Cpu,
    Cuda,
}
