using Microsoft.ML.OnnxRuntime;

namespace Kcm.Onnx;

/// <summary>
/// An execution provider was requested (CUDA) that this build or machine cannot give. Thrown when the session options
/// are made, so a silo asking for CUDA stops at start; there is no silent CPU fallback.
/// </summary>
public sealed class OnnxProviderUnavailableException : Exception
{
    private const string NoFallback = "No CPU fallback is made.";

    public OnnxProviderUnavailableException(OnnxExecutionProvider provider, string message, Exception? inner = null)
        : base(message, inner)
    {
        Provider = provider;
    }

    public OnnxExecutionProvider Provider { get; }

    /// <summary>The CPU flavour's native library has no CUDA provider at all.</summary>
    internal static OnnxProviderUnavailableException CpuOnlyBuild(int deviceId, IEnumerable<string> providers) => new(
        OnnxExecutionProvider.Cuda,
        $"CUDA execution provider requested (device {deviceId}), but this build carries the CPU flavour of ONNX Runtime "
        + $"{OrtEnv.Instance().GetVersionString()} (package Microsoft.ML.OnnxRuntime; providers: {string.Join(", ", providers)}). Build with "
        + $"-p:KcmOnnxRuntime=gpu (deploy/docker/Dockerfile.gpu does) and run on a node with an NVIDIA GPU, CUDA and cuDNN. {NoFallback}");

    /// <summary>The GPU flavour could not load its CUDA provider: ORT's message names the missing library or device.</summary>
    internal static OnnxProviderUnavailableException CudaDidNotLoad(int deviceId, OnnxRuntimeException inner) => new(
        OnnxExecutionProvider.Cuda,
        $"CUDA execution provider requested (device {deviceId}) could not be enabled with ONNX Runtime {OrtEnv.Instance().GetVersionString()}: "
        + $"{inner.Message.Trim()} It needs libonnxruntime_providers_cuda.so next to the application (the GPU flavour, "
        + $"-p:KcmOnnxRuntime=gpu), the CUDA 13 and cuDNN 9 libraries on the library path and an NVIDIA GPU. {NoFallback}",
        inner);
}
